package io.pigeon.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * HTTPS from a PEM certificate and key made by openssl, as a Pi owner would make them (or get them from Let's
 * Encrypt), and a key the console cannot use: the console stays off rather than fall back to plain HTTP.
 */
class ConsoleTlsOsgiTest {

    @Test
    void aPemCertificateAndKeyTurnTheConsoleIntoHttpsAndABadKeyTurnsItOff(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ConfigurationAdmin cm = ConsoleOsgiTest.service(ConfigurationAdmin.class, null);
        Configuration config = cm.getConfiguration(ConsoleConfig.PID, "?");
        Dictionary<String, Object> previous = config.getProperties();
        try {
            Dictionary<String, Object> p = new Hashtable<>();
            p.put("port", Integer.valueOf(port));
            p.put("bind.address", "127.0.0.1");
            p.put("tls.certificate", cert.toString());
            p.put("tls.key", key.toString());
            config.update(p);

            HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/session"))
                    .timeout(ConsoleClient.TIMEOUT).build();
            HttpResponse<String> r = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (r == null) {
                try {
                    r = https.send(request, HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        String plain;
                        try {
                            HttpResponse<String> h = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/api/session")).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            plain = h.statusCode() + " " + h.headers().map() + " " + h.body();
                        } catch (IOException x) {
                            plain = x.toString();
                        }
                        throw new AssertionError("no HTTPS on " + port + " within 30 s; plain HTTP: " + plain, e);
                    }
                    Thread.sleep(200);
                }
            }
            assertEquals(401, r.statusCode());
            assertEquals(ConsoleSecurity.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""));
            Path store = ConsoleOsgiTest.dataFolder().resolve("tls.p12");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions
                    .toString(Files.getPosixFilePermissions(store)));

            Files.writeString(key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
            Dictionary<String, Object> bad = new Hashtable<>();
            bad.put("port", Integer.valueOf(port));
            bad.put("bind.address", "127.0.0.1");
            bad.put("tls.certificate", cert.toString());
            bad.put("tls.key", key.toString());
            bad.put("session.idle.minutes", Integer.valueOf(31)); // a change, so the component applies it
            config.update(bad);
            awaitClosed(port);
        } finally {
            Dictionary<String, Object> off = new Hashtable<>();
            off.put("port", Integer.valueOf(0));
            config.update(previous == null ? off : previous);
        }
    }

    private static void awaitClosed(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            } catch (ConnectException e) {
                return;
            } catch (IOException e) {
                // try again
            }
            Thread.sleep(200);
        }
        fail("port " + port + " still open: an unusable key must turn the console off, not leave it running");
    }

    private static SSLContext trusting(Path cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("console", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl finished");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
    }
}
