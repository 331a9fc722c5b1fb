package io.pigeon.e2e;

import static io.pigeon.e2e.RawMqttClient.CONNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;

/**
 * TLS listeners with Mosquitto's directives, driven by mosquitto_pub/sub, paho's tls_set and MQTT.js over
 * certificates the test makes with openssl. Four listeners: server authentication only (RSA key in PKCS#8),
 * client certificates required (EC key in SEC1), the certificate's CN as the user name under an ACL (RSA key
 * in PKCS#1), and client certificates checked against a CRL. Also runs against Mosquitto ({@code -Dpigeon.e2e.broker=mosquitto}) except the Pigeon-only checks.
 */
class TlsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static Certificates certs;
    static Broker broker;
    static int serverAuthPort;
    static int clientCertPort;
    static int identityPort;
    static int crlPort;
    static int cipherPort;
    static int tls13Port;

    @BeforeAll
    static void start() {
        certs = Certificates.make("alice", "eve");
        certs.revoke("eve");
        certs.write("acl", String.join("\n",
                "# anonymous clients",
                "topic readwrite tls/#",
                "topic readwrite e2e/#",
                "user alice",
                "topic readwrite alice/#",
                ""));
        clientCertPort = Env.freePort();
        identityPort = Env.freePort();
        crlPort = Env.freePort();
        cipherPort = Env.freePort();
        tls13Port = Env.freePort();
        broker = Broker.start(List.of(
                // the harness's listener: server authentication only
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server.key"),
                "acl_file " + certs.path("acl"),
                "listener " + clientCertPort + " " + Env.LOOPBACK,
                "certfile " + certs.path("server-ec.crt"),
                "keyfile " + certs.path("server-ec.key"),
                "cafile " + certs.path("ca.crt"),
                "require_certificate true",
                "listener " + identityPort + " " + Env.LOOPBACK,
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server-pkcs1.key"),
                "cafile " + certs.path("ca.crt"),
                "require_certificate true",
                "use_identity_as_username true",
                "listener " + crlPort + " " + Env.LOOPBACK,
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server.key"),
                "cafile " + certs.path("ca.crt"),
                "require_certificate true",
                "crlfile " + certs.path("crl.pem"),
                "listener " + cipherPort + " " + Env.LOOPBACK,
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server.key"),
                "ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305",
                "ciphers_tls1.3 TLS_AES_256_GCM_SHA384",
                "listener " + tls13Port + " " + Env.LOOPBACK,
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server.key"),
                "tls_version tlsv1.3"), List.of(), List.of(), "");
        serverAuthPort = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    private static String[] tls(int port, String... args) {
        String[] head = { "-p", String.valueOf(port), "--cafile", certs.path("ca.crt") };
        String[] all = new String[head.length + args.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(args, 0, all, head.length, args.length);
        return all;
    }

    private static String[] alice(int port, String... args) {
        String[] cert = { "--cert", certs.path("alice.crt"), "--key", certs.path("alice.key") };
        String[] all = new String[cert.length + args.length];
        System.arraycopy(cert, 0, all, 0, cert.length);
        System.arraycopy(args, 0, all, cert.length, args.length);
        return tls(port, all);
    }

    /** mosquitto_pub to a listener; "-p" given twice is fine, the last one wins. */
    private static Proc.Result pub(String... args) {
        return Proc.run(Tools.RUN_TIMEOUT, Tools.withBroker("mosquitto_pub", broker, args), null, java.util.Map.of());
    }

    @Test
    void mosquittoPubSubWithCafile() {
        try (Proc sub = Tools.sub(broker, tls(serverAuthPort, "-t", "tls/cafile", "-q", "2", "-F", Tools.FORMAT))) {
            pub(tls(serverAuthPort, "-t", "tls/cafile", "-m", "over tls", "-q", "1")).assertExit(0);
            assertEquals(List.of("MSG|tls/cafile|1|0|over tls"), Tools.awaitMessages(sub, 1, WAIT));
        }
    }

    @Test
    void plainMqttOnATlsPortIsNotServed() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(broker)) {
            raw.send(new Connect(4, "plain-on-tls").bytes());
            List<Packet> got = raw.readUntilClosed(WAIT);
            assertTrue(got.stream().noneMatch(p -> p.type() == CONNACK), "a plain client got " + got);
        }
        broker.assertAlive();
    }

    @Test
    void serverCertificateFromAnotherCaIsRefusedByTheClient() {
        Proc.Result r = pub("-p", String.valueOf(serverAuthPort), "--cafile", certs.path("rogue-ca.crt"), "-t",
                "tls/rogue", "-m", "x");
        assertNotEquals(0, r.exitCode(), "mosquitto_pub trusted a server certificate its CA did not sign:\n"
                + r.output());
    }

    @Test
    void clientCertificateSignedByCafileIsAccepted() {
        try (Proc sub = Tools.sub(broker, alice(clientCertPort, "-t", "tls/client", "-q", "2", "-F", Tools.FORMAT))) {
            pub(alice(clientCertPort, "-t", "tls/client", "-m", "with certificate", "-q", "2")).assertExit(0);
            assertEquals(List.of("MSG|tls/client|2|0|with certificate"), Tools.awaitMessages(sub, 1, WAIT));
        }
    }

    @Test
    void missingOrUntrustedClientCertificateIsRefused() {
        int before = broker.output().length();
        try (Proc sub = Tools.sub(broker, tls(serverAuthPort, "-t", "tls/#", "-q", "2", "-F", Tools.FORMAT))) {
            Proc.Result none = pub(tls(clientCertPort, "-t", "tls/none", "-m", "no certificate", "-q", "1"));
            assertNotEquals(0, none.exitCode(), "published without a client certificate:\n" + none.output());
            Proc.Result rogue = pub("-p", String.valueOf(clientCertPort), "--cafile", certs.path("ca.crt"), "--cert",
                    certs.path("mallory.crt"), "--key", certs.path("mallory.key"), "-t", "tls/rogue", "-m",
                    "untrusted certificate", "-q", "1");
            assertNotEquals(0, rogue.exitCode(), "published with a certificate of another CA:\n" + rogue.output());
            Proc.Result paho = Proc.run(Tools.RUN_TIMEOUT, Tools.python(clientCertPort, "client.py", "pub", "--topic",
                    "tls/paho-rogue", "--message", "x", "--qos", "1", "--cafile", certs.path("ca.crt"), "--cert",
                    certs.path("mallory.crt"), "--key", certs.path("mallory.key"), "--timeout", "5"),
                    Env.pythonDir(), java.util.Map.of());
            assertNotEquals(0, paho.exitCode(), "paho published with a certificate of another CA:\n" + paho.output());
            // the one that is allowed still gets through, so nothing above went missing by accident
            pub(alice(clientCertPort, "-t", "tls/ok", "-m", "trusted", "-q", "1")).assertExit(0);
            assertEquals(List.of("MSG|tls/ok|1|0|trusted"), Tools.awaitMessages(sub, 1, WAIT));
            Sleep.millis(300);
            assertEquals(List.of("MSG|tls/ok|1|0|trusted"), Tools.messages(sub), "a refused client's message arrived");
        }
        broker.assertAlive();
        if (broker.isPigeon()) {
            String log = broker.output().substring(before);
            assertTrue(log.contains("TLS handshake with " + Env.LOOPBACK), "no log line for the refused handshake:\n"
                    + Proc.tail(log, 40));
        }
    }

    @Test
    void revokedClientCertificateIsRefused() {
        try (Proc sub = Tools.sub(broker, alice(crlPort, "-t", "tls/crl", "-q", "2", "-F", Tools.FORMAT))) {
            Proc.Result eve = pub("-p", String.valueOf(crlPort), "--cafile", certs.path("ca.crt"), "--cert",
                    certs.path("eve.crt"), "--key", certs.path("eve.key"), "-t", "tls/crl", "-m", "revoked", "-q", "1");
            assertNotEquals(0, eve.exitCode(), "published with a revoked certificate:\n" + eve.output());
            pub(alice(crlPort, "-t", "tls/crl", "-m", "not revoked", "-q", "1")).assertExit(0);
            assertEquals(List.of("MSG|tls/crl|1|0|not revoked"), Tools.awaitMessages(sub, 1, WAIT));
            Sleep.millis(300);
            assertEquals(List.of("MSG|tls/crl|1|0|not revoked"), Tools.messages(sub), "the revoked client's message"
                    + " arrived");
        }
    }

    @Test
    void cipherSuitesAndLowestTlsVersion() {
        // ciphers takes OpenSSL names, for TLS 1.2; ciphers_tls1.3 the TLS 1.3 suites
        assertEquals(0, handshake(cipherPort, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256").exitCode());
        assertNotEquals(0, handshake(cipherPort, "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384").exitCode(),
                "a TLS 1.2 suite outside `ciphers` was negotiated");
        assertEquals(0, handshake(cipherPort, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384").exitCode());
        assertNotEquals(0, handshake(cipherPort, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256").exitCode(),
                "a TLS 1.3 suite outside `ciphers_tls1.3` was negotiated");
        // tls_version is the lowest version allowed: tlsv1.3 refuses TLS 1.2, the default allows both
        assertNotEquals(0, handshake(tls13Port, "-tls1_2").exitCode(), "TLS 1.2 below tls_version tlsv1.3");
        assertEquals(0, handshake(tls13Port, "-tls1_3").exitCode());
        assertEquals(0, handshake(serverAuthPort, "-tls1_2").exitCode());
        assertEquals(0, handshake(serverAuthPort, "-tls1_3").exitCode());
    }

    /** A TLS handshake with openssl s_client and the given options; exit code 0 when it succeeds. */
    private static Proc.Result handshake(int port, String... options) {
        return Proc.run(Tools.RUN_TIMEOUT, List.of("sh", "-c", "openssl s_client -connect " + Env.LOOPBACK + ":" + port
                + " -CAfile " + certs.path("ca.crt") + " -verify_return_error -brief " + String.join(" ", options)
                + " </dev/null"), null, java.util.Map.of());
    }

    @Test
    void pahoTlsSetWithAndWithoutClientCertificate() {
        try (Proc sub = Proc.start(Tools.python(clientCertPort, "client.py", "sub", "--topic", "tls/paho", "--qos", "1",
                "--cafile", certs.path("ca.crt"), "--cert", certs.path("alice.crt"), "--key", certs.path("alice.key")),
                Env.pythonDir(), java.util.Map.of())) {
            sub.awaitLine(Pattern.compile("^SUBACK \\[1\\]"), WAIT);
            Proc.Result pub = Proc.run(Tools.RUN_TIMEOUT, Tools.python(serverAuthPort, "client.py", "pub", "--topic",
                    "tls/paho", "--message", "paho tls_set", "--qos", "1", "--cafile", certs.path("ca.crt")),
                    Env.pythonDir(), java.util.Map.of());
            assertEquals(0, pub.exitCode(), pub.output());
            sub.awaitLine(Pattern.compile("^MSG .*\"payload\": \"paho tls_set\""), WAIT);
        }
    }

    @Test
    void certificateCommonNameIsTheUserNameForTheAcl() {
        try (Proc anonymous = Tools.sub(broker, tls(serverAuthPort, "-t", "tls/#", "-q", "2", "-F", Tools.FORMAT));
                Proc sub = Tools.sub(broker, alice(identityPort, "-u", "bob", "-t", "alice/inbox", "-q", "2", "-F",
                        Tools.FORMAT))) {
            // alice's certificate with "-u bob": the user is alice, whatever CONNECT says, and the ACL lets her in
            pub(alice(identityPort, "-u", "bob", "-t", "alice/inbox", "-m", "for alice", "-q", "1")).assertExit(0);
            assertEquals(List.of("MSG|alice/inbox|1|0|for alice"), Tools.awaitMessages(sub, 1, WAIT));
            // alice may not write where only anonymous clients may: the message is dropped
            pub(alice(identityPort, "-t", "tls/from-alice", "-m", "denied", "-q", "1"));
            pub(tls(serverAuthPort, "-t", "tls/marker", "-m", "after", "-q", "1")).assertExit(0);
            assertEquals(List.of("MSG|tls/marker|1|0|after"), Tools.awaitMessages(anonymous, 1, WAIT));
            Sleep.millis(300);
            assertEquals(List.of("MSG|tls/marker|1|0|after"), Tools.messages(anonymous),
                    "alice wrote to a topic her ACL does not allow");
        }
        if (broker.isPigeon()) {
            // Mosquitto 2.0 grants such a subscription and filters at delivery; Pigeon refuses it (0x80)
            Proc.Result bob = Proc.run(Tools.RUN_TIMEOUT, Tools.python(identityPort, "client.py", "sub", "--topic",
                    "bob/#", "--count", "0", "--username", "bob", "--cafile", certs.path("ca.crt"), "--cert",
                    certs.path("alice.crt"), "--key", certs.path("alice.key")), Env.pythonDir(), java.util.Map.of());
            assertTrue(bob.output().contains("SUBACK [128]"), "alice's certificate subscribed to bob/#:\n"
                    + bob.output());
        }
    }

    @Test
    void mqttJsOverMqtts() {
        for (String version : new String[] { "4", "5" }) {
            Proc.Result r = Tools.runNode(serverAuthPort, "roundtrip.mjs", version, "mqtts", certs.path("ca.crt"));
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("OK protocolVersion=" + version + " url=mqtts://"), r.output());
        }
    }

    @Test
    @PigeonOnly("Pigeon's start-up refusal and its message")
    void mismatchedKeyStopsStartUpNamingFileAndLine() throws IOException {
        Product product = Product.unpack();
        Path conf = product.dir.resolve("tls.conf");
        Files.write(conf, List.of("# e2e: the key of another certificate",
                "listener " + Env.freePort() + " " + Env.LOOPBACK,
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server-ec.key")));
        Proc.Result r = product.run(Duration.ofSeconds(60), "--config", conf.toString());
        assertEquals(78, r.exitCode(), "started with a key that is not the certificate's:\n" + r.output());
        assertTrue(r.output().contains("tls.conf:4: keyfile " + certs.path("server-ec.key") + ": is not the private"
                + " key of certfile"), "the message does not name tls.conf:4 and the fix:\n" + r.output());
    }

    @Test
    @PigeonOnly("Pigeon's live reload")
    void badLiveEditIsRefusedAndARenewedCertificateIsServed() throws IOException {
        Product product = Product.unpack();
        int port = Env.freePort();
        Path conf = product.dir.resolve("live.conf");
        Path crt = product.dir.resolve("live.crt");
        Path key = product.dir.resolve("live.key");
        Files.copy(certs.file("server.crt"), crt);
        Files.copy(certs.file("server.key"), key);
        List<String> good = List.of("listener " + port + " " + Env.LOOPBACK, "certfile " + crt, "keyfile " + key);
        Files.write(conf, good);
        try (Proc pigeon = product.start(List.of("--config", conf.toString()), "")) {
            pigeon.awaitLine(Broker.PIGEON_STARTED, Broker.START_TIMEOUT);
            String[] publish = { "mosquitto_pub", "-h", Env.LOOPBACK, "-p", String.valueOf(port), "--cafile",
                    certs.path("ca.crt"), "-t", "tls/live", "-m", "x" };
            Proc.run(Tools.RUN_TIMEOUT, publish).assertExit(0);
            assertTrue(served(port).contains("rsa"), "the RSA certificate is not served");

            // the key of another certificate: refused at its line, the listener keeps serving
            Files.write(conf, List.of(good.get(0), good.get(1), "keyfile " + certs.path("server-ec.key")));
            pigeon.awaitLine(Pattern.compile("live.conf:3: keyfile .*is not the private key of certfile"), WAIT);
            pigeon.awaitLine(Pattern.compile("previous settings stay in force"), WAIT);
            Proc.run(Tools.RUN_TIMEOUT, publish).assertExit(0);
            Files.write(conf, good);

            // a renewal replaces the files' content, as certbot renew does: new connections get the new certificate
            Files.writeString(crt, certs.read("server-ec.crt"));
            Files.writeString(key, certs.read("server-ec.key"));
            pigeon.awaitLine(Pattern.compile("now serves new connections with TLS certificate"), WAIT);
            assertTrue(Sleep.until(WAIT, () -> served(port).contains("ecdsa")), "the renewed EC certificate is not"
                    + " served:\n" + Proc.tail(pigeon.output(), 30));
            Proc.run(Tools.RUN_TIMEOUT, publish).assertExit(0);
            assertFalse(pigeon.output().contains("LEAK:"), pigeon.output());
        }
    }

    /** What {@code openssl s_client} says about the server's certificate and handshake, lower case. */
    private static String served(int port) {
        return handshake(port).output().toLowerCase(java.util.Locale.ROOT);
    }
}
