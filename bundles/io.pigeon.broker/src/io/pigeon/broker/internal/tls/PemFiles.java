package io.pigeon.broker.internal.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files of a TLS listener as Mosquitto (OpenSSL) reads them: certificates and certificate chains,
 * CRLs, and unencrypted private keys in PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE
 * KEY", also after an "EC PARAMETERS" block as {@code openssl ecparam -genkey} writes it). Netty's own reader takes
 * PKCS#8 only, so BouncyCastle parses the PEM and the JDK's providers make the keys.
 * <p>
 * Every failure is a {@link TlsFileException} that says what is wrong with which file and how to fix it.
 * Stateless; any thread.
 */
public final class PemFiles {

    private PemFiles() {
    }

    /** The certificates of a PEM file in file order (a chain: the server's own first, then intermediates). */
    public static List<X509Certificate> certificates(Path file) throws TlsFileException {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : objects(file)) {
            if (o instanceof X509CertificateHolder holder) {
                try {
                    out.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new TlsFileException(file + " holds a certificate Java cannot use (" + e.getMessage()
                            + "). Check the file with `openssl x509 -in " + file + " -noout -text`.");
                }
            }
        }
        if (out.isEmpty()) {
            throw new TlsFileException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----). Give the"
                    + " certificate file here, e.g. Let's Encrypt's fullchain.pem; a DER file can be converted with"
                    + " `openssl x509 -inform der -in FILE -out FILE.pem`.");
        }
        return out;
    }

    /** The private key of a PEM key file. */
    public static PrivateKey privateKey(Path file) throws TlsFileException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(file)) {
            try {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            } catch (IOException e) {
                throw new TlsFileException(file + " holds a private key Java cannot use (" + e.getMessage()
                        + "). Use an RSA, EC or Ed25519 key.");
            }
            if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new TlsFileException(file + " holds an encrypted private key; Pigeon starts unattended and"
                        + " cannot ask for its pass phrase. Write it unencrypted (readable by the gateway's user"
                        + " only) with `openssl pkey -in " + file + " -out server.key`.");
            }
        }
        throw new TlsFileException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY"
                + " or EC PRIVATE KEY). Give the key file here, e.g. Let's Encrypt's privkey.pem.");
    }

    /** The CRLs of a PEM file. */
    public static List<X509CRL> crls(Path file) throws TlsFileException {
        List<X509CRL> out = new ArrayList<>();
        JcaX509CRLConverter converter = new JcaX509CRLConverter();
        for (Object o : objects(file)) {
            if (o instanceof X509CRLHolder holder) {
                try {
                    out.add(converter.getCRL(holder));
                } catch (CRLException e) {
                    throw new TlsFileException(file + " holds a CRL Java cannot use (" + e.getMessage() + ").");
                }
            }
        }
        if (out.isEmpty()) {
            throw new TlsFileException(file + " holds no PEM CRL (-----BEGIN X509 CRL-----). Create one with"
                    + " `openssl ca -gencrl` or fix the path.");
        }
        return out;
    }

    /**
     * The certificates of every PEM file in a directory, as OpenSSL's capath (whose hash-named links point to the
     * same files, so reading all of them gives the same set).
     */
    public static List<X509Certificate> directory(Path dir) throws TlsFileException {
        List<X509Certificate> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry)) {
                    try {
                        out.addAll(certificates(entry));
                    } catch (TlsFileException e) {
                        // OpenSSL skips what is not a certificate in capath too
                    }
                }
            }
        } catch (IOException e) {
            throw new TlsFileException("directory " + dir + " cannot be read (" + e + "). Give the gateway's user"
                    + " read access.");
        }
        if (out.isEmpty()) {
            throw new TlsFileException("directory " + dir + " holds no PEM certificate. Put the CA certificates"
                    + " there, or use cafile.");
        }
        return out;
    }

    private static List<Object> objects(Path file) throws TlsFileException {
        List<Object> out = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports a damaged block as an IOException or an unchecked exception
            throw new TlsFileException(file + " is not a readable PEM file (" + e.getMessage() + "). Check that"
                    + " it is the right file and that the gateway's user may read it.");
        }
        return out;
    }
}
