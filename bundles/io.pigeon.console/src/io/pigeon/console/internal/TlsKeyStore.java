package io.pigeon.console.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the PEM certificate and key of {@link ConsoleConfig} into the PKCS#12 key store Jetty reads. The JDK parses
 * both: X.509 certificates through {@link CertificateFactory}, PKCS#8 keys through {@link KeyFactory}.
 */
final class TlsKeyStore {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private TlsKeyStore() {
    }

    /**
     * Writes {@code target} (0600) with the key and chain under alias "console", protected by {@code password}.
     *
     * @throws IllegalArgumentException with the file, what is wrong and the fix
     */
    static void write(Path certificateFile, Path keyFile, Path target, char[] password) throws IOException {
        Collection<? extends Certificate> chain;
        try (var in = Files.newInputStream(certificateFile)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(PidText.key("tls.certificate", certificateFile)
                    + " is not a PEM X.509 certificate (" + e.getMessage() + "); give the server certificate file, "
                    + "e.g. fullchain.pem", e);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(PidText.key("tls.certificate", certificateFile)
                    + " holds no certificate; give the server certificate file, e.g. fullchain.pem");
        }
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException(PidText.key("tls.key", keyFile)
                    + " holds no unencrypted PKCS#8 key (\"BEGIN PRIVATE KEY\"); convert it with "
                    + "`openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem`");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        PrivateKey key = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        if (key == null) {
            throw new IllegalArgumentException(PidText.key("tls.key", keyFile)
                    + " is not an RSA, EC or Ed25519 PKCS#8 key; create one with `openssl genpkey -algorithm EC "
                    + "-pkeyopt ec_paramgen_curve:P-256`");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("console", key, password, chain.toArray(new Certificate[0]));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password);
            DataFolder.writePrivate(target, out.toByteArray());
            // read back: a key that does not match the certificate is caught by Jetty, but a broken store here
            KeyStore.getInstance("PKCS12").load(new ByteArrayInputStream(out.toByteArray()), password);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(PidText.key("tls.key", keyFile) + " and "
                    + PidText.key("tls.certificate", certificateFile) + " cannot be stored together (" + e.getMessage()
                    + "); check that the key belongs to the certificate", e);
        }
    }
}
