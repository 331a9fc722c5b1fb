package io.pigeon.config.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Checks the PEM files a TLS listener names when pigeon.conf is read, so that a wrong file stops start-up, or
 * refuses a live edit, with the file and line of the directive, as Mosquitto refuses to start: certfile holds a
 * certificate, keyfile an unencrypted private key (PKCS#8, PKCS#1 or SEC1, as OpenSSL writes them) that belongs to
 * it, cafile certificates and crlfile a CRL. The broker reads the same files again to build its TLS context.
 * Stateless; the parser's thread.
 */
final class TlsFiles {

    private TlsFiles() {
    }

    /** Why certfile cannot be used, or null. */
    static String checkCertificate(Path file) {
        try {
            return first(file, X509CertificateHolder.class) != null ? null
                    : "holds no PEM certificate (-----BEGIN CERTIFICATE-----). Give the certificate file here, e.g."
                            + " Let's Encrypt's fullchain.pem.";
        } catch (IOException e) {
            return unreadable(e);
        }
    }

    /** Why cafile cannot be used, or null. */
    static String checkCaFile(Path file) {
        String problem = checkCertificate(file);
        return problem == null ? null : problem.replace("Let's Encrypt's fullchain.pem", "the CA's certificate");
    }

    /** Why crlfile cannot be used, or null. */
    static String checkCrl(Path file) {
        try {
            return first(file, X509CRLHolder.class) != null ? null
                    : "holds no PEM CRL (-----BEGIN X509 CRL-----). Make one with `openssl ca -gencrl` or fix the path.";
        } catch (IOException e) {
            return unreadable(e);
        }
    }

    /** Why keyfile cannot be used with certfile, or null; certfile is assumed checked. */
    static String checkKey(Path keyFile, Path certFile) {
        PrivateKey key;
        PublicKey certKey;
        try {
            List<Object> objects = objects(keyFile);
            key = null;
            for (Object o : objects) {
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    return "holds an encrypted private key; Pigeon starts unattended and cannot ask for its pass"
                            + " phrase. Write it unencrypted (readable by the gateway's user only) with `openssl pkey"
                            + " -in " + keyFile + " -out server.key`.";
                }
                if (o instanceof PEMKeyPair pair) {
                    key = new JcaPEMKeyConverter().getKeyPair(pair).getPrivate();
                    break;
                }
                if (o instanceof PrivateKeyInfo info) {
                    key = new JcaPEMKeyConverter().getPrivateKey(info);
                    break;
                }
            }
            if (key == null) {
                return "holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)."
                        + " Give the key file here, e.g. Let's Encrypt's privkey.pem.";
            }
            X509CertificateHolder cert = first(certFile, X509CertificateHolder.class);
            if (cert == null) {
                return null;
            }
            certKey = new JcaX509CertificateConverter().getCertificate(cert).getPublicKey();
        } catch (IOException e) {
            return unreadable(e);
        } catch (GeneralSecurityException e) {
            return "holds a key or certificate Java cannot use (" + e.getMessage() + "). Use an RSA, EC or Ed25519 key.";
        }
        return matches(key, certKey) ? null
                : "is not the private key of certfile " + certFile + ". Give the key the certificate was made for"
                        + " (Let's Encrypt: privkey.pem next to fullchain.pem).";
    }

    /** Signs with the private key and verifies with the certificate's public key. */
    private static boolean matches(PrivateKey key, PublicKey certKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] probe = "pigeon key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static <T> T first(Path file, Class<T> type) throws IOException {
        for (Object o : objects(file)) {
            if (type.isInstance(o)) {
                return type.cast(o);
            }
        }
        return null;
    }

    private static List<Object> objects(Path file) throws IOException {
        List<Object> out = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                out.add(o);
            }
        } catch (RuntimeException e) {
            // BouncyCastle reports some damaged blocks unchecked
            throw new IOException(e.getMessage(), e);
        }
        return out;
    }

    private static String unreadable(IOException e) {
        return "is not a readable PEM file (" + e.getMessage() + "). Check that it is the right file and that the"
                + " gateway's user may read it.";
    }
}
