package io.pigeon.client.internal.remote;

import java.io.File;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.pigeon.client.ClientOptions;

/** Builds the client's TLS context from {@link ClientOptions.Tls}, PEM files as Mosquitto's --cafile/--cert/--key. */
final class TlsContexts {

    private TlsContexts() {
    }

    /**
     * @throws IllegalArgumentException naming the file that cannot be used and what to do
     */
    static SslContext forClient(ClientOptions.Tls tls) {
        SslContextBuilder b = SslContextBuilder.forClient();
        // Netty checks the host name against the certificate with "HTTPS"; insecure turns only that off.
        b.endpointIdentificationAlgorithm(tls.insecure() ? null : "HTTPS");
        if (tls.minimumVersion() != null) {
            // Mosquitto's --tls-version: the lowest version offered, newer ones stay allowed.
            b.protocols(tls.minimumVersion().equals("tlsv1.3") ? new String[] {"TLSv1.3"}
                    : new String[] {"TLSv1.3", "TLSv1.2"});
        }
        if (tls.caFile() != null) {
            File ca = readable(tls.caFile(), "caFile");
            try {
                b.trustManager(ca);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("TLS caFile '" + tls.caFile() + "' holds no PEM certificate ("
                        + e.getMessage() + "): give the CA certificate(s) in PEM, as mosquitto --cafile takes them");
            }
        }
        if (tls.certFile() != null || tls.keyFile() != null) {
            if (tls.certFile() == null || tls.keyFile() == null) {
                throw new IllegalArgumentException("TLS certFile and keyFile go together: give both or neither");
            }
            File cert = readable(tls.certFile(), "certFile");
            File key = readable(tls.keyFile(), "keyFile");
            try {
                b.keyManager(cert, key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("TLS certFile '" + tls.certFile() + "' and keyFile '" + tls.keyFile()
                        + "' cannot be used (" + rootMessage(e) + "): give a PEM certificate and an unencrypted "
                        + "PKCS#8 PEM key (convert one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem)");
            }
        }
        try {
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS files cannot be used (" + rootMessage(e) + "): check caFile, "
                    + "certFile and keyFile are PEM, and the key is unencrypted PKCS#8");
        }
    }

    private static File readable(String path, String option) {
        File f = new File(path);
        if (!f.canRead()) {
            throw new IllegalArgumentException("TLS " + option + " '" + path + "' cannot be read: check the path and "
                    + "its permissions");
        }
        return f;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
