package io.pigeon.broker.internal.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * The TLS side of one listener, built from Mosquitto's directives: {@code certfile}, {@code keyfile},
 * {@code cafile}/{@code capath}, {@code crlfile}, {@code tls_version} (the lowest version allowed, as in Mosquitto
 * 2.0), {@code ciphers} (OpenSSL names, TLS 1.2), {@code ciphers_tls1.3}, {@code require_certificate},
 * {@code use_identity_as_username} and {@code use_subject_as_username}. Immutable; the Netty context is shared by
 * the listener's connections (each gets its own engine).
 *
 * @param context     makes one {@code SslHandler} per connection
 * @param username    which part of a client certificate becomes the user name, if any
 * @param certificate the server's own certificate, for the log
 */
public record ListenerTls(SslContext context, CertificateUsername username, X509Certificate certificate) {

    /** Mosquitto's use_identity_as_username / use_subject_as_username. */
    public enum CertificateUsername {
        /** The client's user name is the one in CONNECT. */
        NONE,
        /** The Common Name of the client certificate's subject. */
        IDENTITY,
        /** The whole subject of the client certificate, RFC 2253 form, as Mosquitto prints it. */
        SUBJECT;

        /** The user name a client with this certificate gets, or null when it cannot have one. */
        public String of(X509Certificate cert) {
            X500Principal subject = cert.getSubjectX500Principal();
            if (this == SUBJECT) {
                return subject.getName(X500Principal.RFC2253);
            }
            try {
                List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
                for (int i = rdns.size() - 1; i >= 0; i--) {
                    if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                        return String.valueOf(rdns.get(i).getValue());
                    }
                }
            } catch (InvalidNameException e) {
                return null;
            }
            return null;
        }

        /** The user name from a finished TLS session, or null when the client sent no certificate. */
        public String of(SSLSession session) {
            try {
                if (session.getPeerCertificates()[0] instanceof X509Certificate cert) {
                    return of(cert);
                }
            } catch (SSLPeerUnverifiedException e) {
                return null;
            }
            return null;
        }
    }

    /** What the directives say; file paths are absolute, empty strings mean "not given". */
    public record Options(String certfile, String keyfile, String cafile, String capath, String crlfile,
            String tlsVersion, String ciphers, String ciphersTls13, boolean requireCertificate,
            boolean useIdentityAsUsername, boolean useSubjectAsUsername) {

        public boolean enabled() {
            return !certfile.isEmpty() || !keyfile.isEmpty();
        }
    }

    /**
     * Builds the listener's TLS, or returns null for a plain listener (no certfile and no keyfile).
     *
     * @param where where a directive was written, by property key ("certfile", "require.certificate"), for messages
     * @throws IllegalArgumentException naming the place, the directive, the value and the fix
     */
    public static ListenerTls from(Options o, Function<String, String> where) {
        if (!o.enabled()) {
            for (String key : List.of("cafile", "capath", "crlfile", "ciphers")) {
                if (!value(o, key).isEmpty()) {
                    throw bad(where, key, value(o, key), "only applies to a TLS listener: add certfile and keyfile"
                            + " to this listener section, or remove the line.");
                }
            }
            if (o.requireCertificate() || o.useIdentityAsUsername() || o.useSubjectAsUsername()) {
                String key = o.requireCertificate() ? "require.certificate"
                        : o.useIdentityAsUsername() ? "use.identity.as.username" : "use.subject.as.username";
                throw bad(where, key, "true", "only applies to a TLS listener: add certfile and keyfile to this"
                        + " listener section, or remove the line.");
            }
            return null;
        }
        if (o.certfile().isEmpty() || o.keyfile().isEmpty()) {
            String missing = o.certfile().isEmpty() ? "certfile" : "keyfile";
            String given = o.certfile().isEmpty() ? "keyfile" : "certfile";
            throw bad(where, given, value(o, given), "needs " + missing + " in the same listener section. Add "
                    + missing + " or remove this line.");
        }
        if (o.useIdentityAsUsername() && o.useSubjectAsUsername()) {
            throw bad(where, "use.subject.as.username", "true", "cannot be combined with use_identity_as_username;"
                    + " keep one of the two.");
        }
        if ((o.requireCertificate() || o.useIdentityAsUsername() || o.useSubjectAsUsername())
                && o.cafile().isEmpty() && o.capath().isEmpty()) {
            String key = o.requireCertificate() ? "require.certificate"
                    : o.useIdentityAsUsername() ? "use.identity.as.username" : "use.subject.as.username";
            throw bad(where, key, "true", "needs cafile or capath to check client certificates. Add one of them to"
                    + " the listener section.");
        }
        if ((o.useIdentityAsUsername() || o.useSubjectAsUsername()) && !o.requireCertificate()) {
            String key = o.useIdentityAsUsername() ? "use.identity.as.username" : "use.subject.as.username";
            throw bad(where, key, "true", "needs require_certificate true, or clients send no certificate to take"
                    + " the user name from. Add `require_certificate true` to the listener section.");
        }
        if (!o.crlfile().isEmpty() && !o.requireCertificate()) {
            throw bad(where, "crlfile", o.crlfile(), "needs require_certificate true: without client certificates"
                    + " there is nothing to revoke. Add `require_certificate true` or remove the line.");
        }

        List<X509Certificate> chain = read(where, "certfile", o.certfile(), PemFiles::certificates);
        PrivateKey key = read(where, "keyfile", o.keyfile(), PemFiles::privateKey);
        checkPair(where, o, chain.get(0), key);
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                    .sslProvider(SslProvider.JDK)
                    .protocols(protocols(where, o.tlsVersion()))
                    .clientAuth(o.requireCertificate() ? ClientAuth.REQUIRE : ClientAuth.NONE);
            List<String> suites = cipherSuites(where, o);
            if (suites != null) {
                builder.ciphers(suites);
            }
            if (!o.cafile().isEmpty() || !o.capath().isEmpty()) {
                builder.trustManager(trust(where, o));
            }
            CertificateUsername username = o.useIdentityAsUsername() ? CertificateUsername.IDENTITY
                    : o.useSubjectAsUsername() ? CertificateUsername.SUBJECT : CertificateUsername.NONE;
            return new ListenerTls(builder.build(), username, chain.get(0));
        } catch (SSLException e) {
            throw bad(where, "certfile", o.certfile(), "cannot be used for TLS with keyfile " + o.keyfile() + " ("
                    + e.getMessage() + "). Check both files with `openssl x509 -in CERTFILE -noout -text`.");
        }
    }

    /** "CN=broker.example, expires 2027-01-01T00:00:00Z", for the listener's log line. */
    public String describe() {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253) + ", valid until "
                + certificate.getNotAfter().toInstant();
    }

    private interface FileReader<T> {
        T read(Path file) throws TlsFileException;
    }

    private static <T> T read(Function<String, String> where, String key, String file, FileReader<T> reader) {
        try {
            return reader.read(Path.of(file));
        } catch (TlsFileException e) {
            throw new IllegalArgumentException(where.apply(key) + ": " + directive(key) + " " + file + ": "
                    + e.getMessage());
        }
    }

    /** The key must be the one of the certificate: sign with one, verify with the other. */
    private static void checkPair(Function<String, String> where, Options o, X509Certificate cert, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            throw bad(where, "keyfile", o.keyfile(), "is a " + key.getAlgorithm() + " key; Pigeon's TLS takes RSA, EC"
                    + " or Ed25519 keys.");
        }
        boolean matches;
        try {
            byte[] probe = "pigeon key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw bad(where, "keyfile", o.keyfile(), "is not the private key of certfile " + o.certfile() + " ("
                    + cert.getSubjectX500Principal().getName(X500Principal.RFC2253) + "). Give the key the"
                    + " certificate was made for (Let's Encrypt: privkey.pem next to fullchain.pem).");
        }
    }

    /** Mosquitto's tls_version is the lowest version allowed. */
    private static String[] protocols(Function<String, String> where, String version) {
        return switch (version.isEmpty() ? "tlsv1.2" : version.toLowerCase(Locale.ROOT)) {
            case "tlsv1.3" -> new String[] {"TLSv1.3"};
            case "tlsv1.2" -> new String[] {"TLSv1.3", "TLSv1.2"};
            default -> throw bad(where, "tls.version", version, "must be tlsv1.3 or tlsv1.2 (Java turns off TLS 1.1"
                    + " and older).");
        };
    }

    /**
     * The Java names of the suites {@code ciphers} (OpenSSL names, TLS 1.2) and {@code ciphers_tls1.3} allow, or null
     * for the JVM's defaults. A list given for one version leaves the other version at the JVM's defaults.
     */
    static List<String> cipherSuites(Function<String, String> where, Options o) {
        if (o.ciphers().isEmpty() && o.ciphersTls13().isEmpty()) {
            return null;
        }
        Set<String> supported;
        List<String> defaults;
        try {
            SSLContext jdk = SSLContext.getInstance("TLS");
            jdk.init(null, null, null);
            supported = Set.copyOf(Arrays.asList(jdk.getSupportedSSLParameters().getCipherSuites()));
            defaults = Arrays.asList(jdk.getDefaultSSLParameters().getCipherSuites());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM has no TLS implementation", e);
        }
        Set<String> out = new LinkedHashSet<>();
        if (o.ciphersTls13().isEmpty()) {
            defaults.stream().filter(ListenerTls::isTls13Suite).forEach(out::add);
        } else {
            for (String name : o.ciphersTls13().split(":")) {
                String suite = name.trim();
                if (!isTls13Suite(suite) || !supported.contains(suite)) {
                    throw bad(where, "ciphers.tls1.3", o.ciphersTls13(), "names " + suite + ", which is not a TLS 1.3"
                            + " suite this JVM has. Use names such as TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384.");
                }
                out.add(suite);
            }
        }
        if (o.ciphers().isEmpty()) {
            defaults.stream().filter(s -> !isTls13Suite(s)).forEach(out::add);
        } else {
            for (String name : o.ciphers().split(":")) {
                String openssl = name.trim();
                String suite = openssl.startsWith("TLS_") ? openssl : CipherSuiteConverter.toJava(openssl, "TLS");
                if (suite == null || !supported.contains(suite)) {
                    throw bad(where, "ciphers", o.ciphers(), "names " + openssl + ", which is not a cipher suite this"
                            + " JVM has. Pigeon takes a ':'-separated list of OpenSSL suite names such as"
                            + " ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384, not OpenSSL keywords such as"
                            + " HIGH or !aNULL.");
                }
                out.add(suite);
            }
        }
        return new ArrayList<>(out);
    }

    private static boolean isTls13Suite(String javaName) {
        return javaName.startsWith("TLS_") && !javaName.contains("_WITH_") && !javaName.endsWith("_SCSV");
    }

    /** The CA certificates of cafile and capath, with the CRLs of crlfile checked for client certificates. */
    private static TrustManagerFactory trust(Function<String, String> where, Options o) {
        List<X509Certificate> cas = new ArrayList<>();
        if (!o.cafile().isEmpty()) {
            cas.addAll(read(where, "cafile", o.cafile(), PemFiles::certificates));
        }
        if (!o.capath().isEmpty()) {
            cas.addAll(read(where, "capath", o.capath(), PemFiles::directory));
        }
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                anchors.setCertificateEntry("ca" + i, cas.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            if (o.crlfile().isEmpty()) {
                factory.init(anchors);
                return factory;
            }
            List<X509CRL> crls = read(where, "crlfile", o.crlfile(), PemFiles::crls);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            // as OpenSSL's X509_V_FLAG_CRL_CHECK, which Mosquitto sets: the client's own certificate, from the file
            PKIXRevocationChecker revocation = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX")
                    .getRevocationChecker();
            revocation.setOptions(EnumSet.of(PKIXRevocationChecker.Option.ONLY_END_ENTITY,
                    PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK));
            params.setRevocationEnabled(true);
            params.addCertPathChecker(revocation);
            factory.init(new CertPathTrustManagerParameters(params));
            return factory;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw bad(where, o.cafile().isEmpty() ? "capath" : "cafile", o.cafile().isEmpty() ? o.capath()
                    : o.cafile(), "cannot be used to check client certificates (" + e.getMessage() + ").");
        }
    }

    private static String value(Options o, String key) {
        return switch (key) {
            case "certfile" -> o.certfile();
            case "keyfile" -> o.keyfile();
            case "cafile" -> o.cafile();
            case "capath" -> o.capath();
            case "crlfile" -> o.crlfile();
            case "ciphers" -> o.ciphers();
            default -> "";
        };
    }

    private static IllegalArgumentException bad(Function<String, String> where, String key, String value,
            String fix) {
        return new IllegalArgumentException(where.apply(key) + ": " + directive(key) + " " + value + ": " + fix);
    }

    /** The directive as written in pigeon.conf for a property key. */
    private static String directive(String key) {
        return key.equals("ciphers.tls1.3") ? "ciphers_tls1.3" : key.replace('.', '_');
    }
}
