package io.pigeon.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.config.ConfigProblem;

/**
 * The TLS directives of a listener and the files they name, read when pigeon.conf is: the key forms OpenSSL writes
 * are accepted, and a wrong file is an error at its line with the fix. Certificates are made with the openssl
 * command line, as users make them.
 */
class TlsDirectivesTest {

    @TempDir
    static Path home;
    static Path etc;

    @BeforeAll
    static void certificates() throws IOException, InterruptedException {
        etc = Files.createDirectories(home.resolve("etc"));
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=test CA");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.crt", "-days",
                "2", "-subj", "/CN=localhost");
        openssl("rsa", "-in", "server.key", "-traditional", "-out", "server-pkcs1.key");
        openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:secret", "-out", "server-encrypted.key");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.key");
        openssl("req", "-x509", "-new", "-key", "ec.key", "-out", "ec.crt", "-days", "2", "-subj", "/CN=localhost");
        openssl("crl2pkcs7", "-nocrl", "-certfile", "ca.crt", "-out", "not-a-crl.p7b");
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(etc.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl took too long: " + cmd);
        assertEquals(0, p.exitValue(), cmd + " failed (is openssl installed?):\n" + out);
    }

    private static ParsedConfig parse(String... lines) throws IOException {
        Path conf = etc.resolve("pigeon.conf");
        Files.writeString(conf, String.join("\n", lines) + "\n");
        return ConfParser.parse(conf, p -> home.relativize(p).toString());
    }

    private static List<String> errors(ParsedConfig parsed) {
        return parsed.problems.stream().filter(ConfigProblem::isError).map(ConfigProblem::toString)
                .collect(Collectors.toList());
    }

    private static String path(String name) {
        return etc.resolve(name).toString();
    }

    @Test
    void keysInPkcs8Pkcs1AndSec1AreAccepted() throws IOException {
        ParsedConfig parsed = parse("listener 8883", "certfile server.crt", "keyfile server.key", "cafile ca.crt",
                "require_certificate true", "use_identity_as_username true", "tls_version tlsv1.3",
                "listener 8884", "certfile server.crt", "keyfile server-pkcs1.key", "ciphers ECDHE-RSA-AES128-GCM-SHA256",
                "ciphers_tls1.3 TLS_AES_128_GCM_SHA256",
                "listener 9001", "protocol websockets", "certfile ec.crt", "keyfile ec.key");
        assertEquals(List.of(), errors(parsed));
        assertEquals(List.of(), parsed.problems.stream().map(ConfigProblem::toString).toList(), "no warnings either");
        Map<String, Object> secure = ConfigMapper.map(parsed).stream().filter(c -> "8883".equals(c.name()))
                .findFirst().orElseThrow().properties();
        assertEquals(path("server.crt"), secure.get("certfile"));
        assertEquals(Boolean.TRUE, secure.get("use.identity.as.username"));
        assertEquals("tlsv1.3", secure.get("tls.version"));
        assertTrue(secure.containsKey("keyfile.digest"), "a renewed key must reach the listener: " + secure);
        Map<String, Object> other = ConfigMapper.map(parsed).stream().filter(c -> "8884".equals(c.name()))
                .findFirst().orElseThrow().properties();
        assertEquals("TLS_AES_128_GCM_SHA256", other.get("ciphers.tls1.3"));
    }

    @Test
    void keyOfAnotherCertificateIsAnErrorAtItsLine() throws IOException {
        ParsedConfig parsed = parse("listener 8883", "certfile server.crt", "keyfile ec.key");
        assertEquals(List.of("etc/pigeon.conf:3: keyfile " + path("ec.key") + ": is not the private key of certfile "
                + path("server.crt") + ". Give the key the certificate was made for (Let's Encrypt: privkey.pem next to"
                + " fullchain.pem)."), errors(parsed));
    }

    @Test
    void swappedOrEncryptedFilesAreErrorsWithTheFix() throws IOException {
        ParsedConfig swapped = parse("listener 8883", "certfile server.key", "keyfile server.crt");
        assertEquals(List.of("etc/pigeon.conf:2: certfile " + path("server.key") + ": holds no PEM certificate"
                + " (-----BEGIN CERTIFICATE-----). Give the certificate file here, e.g. Let's Encrypt's fullchain.pem."),
                errors(swapped));
        ParsedConfig encrypted = parse("listener 8883", "certfile server.crt", "keyfile server-encrypted.key");
        assertEquals(1, errors(encrypted).size(), errors(encrypted).toString());
        assertTrue(errors(encrypted).get(0).startsWith("etc/pigeon.conf:3: keyfile " + path("server-encrypted.key")
                + ": holds an encrypted private key; Pigeon starts unattended and cannot ask for its pass phrase."),
                errors(encrypted).get(0));
        ParsedConfig crl = parse("listener 8883", "certfile server.crt", "keyfile server.key", "cafile ca.crt",
                "require_certificate true", "crlfile not-a-crl.p7b");
        assertEquals(List.of("etc/pigeon.conf:6: crlfile " + path("not-a-crl.p7b") + ": holds no PEM CRL (-----BEGIN"
                + " X509 CRL-----). Make one with `openssl ca -gencrl` or fix the path."), errors(crl));
    }

    @Test
    void openSslCipherExpressionsAreRefusedAtTheirLine() throws IOException {
        ParsedConfig parsed = parse("listener 8883", "certfile server.crt", "keyfile server.key",
                "ciphers HIGH:!aNULL");
        assertEquals(List.of("etc/pigeon.conf:4: ciphers HIGH:!aNULL: 'HIGH' is not a cipher suite name. Pigeon takes a"
                + " ':'-separated list of names such as ECDHE-RSA-AES128-GCM-SHA256 (TLS 1.2, OpenSSL's names) or"
                + " TLS_AES_128_GCM_SHA256 (TLS 1.3), not OpenSSL keywords such as HIGH or !aNULL."), errors(parsed));
    }

    @Test
    void tlsDirectivesThatCannotWorkTogether() throws IOException {
        ParsedConfig parsed = parse("listener 1883", "cafile ca.crt",
                "listener 8883", "certfile server.crt", "keyfile server.key", "cafile ca.crt",
                "use_identity_as_username true", "tls_version tlsv1.1");
        assertEquals(List.of(
                "etc/pigeon.conf:8: tls_version tlsv1.1: is turned off in Java, as unsafe. Use tlsv1.2 (which also"
                        + " allows 1.3) or tlsv1.3.",
                "etc/pigeon.conf:2: cafile " + path("ca.crt") + ": only applies to a TLS listener: add certfile and"
                        + " keyfile to this listener section, or remove the line.",
                "etc/pigeon.conf:7: use_identity_as_username true: needs `require_certificate true` in the same listener"
                        + " section, or clients send no certificate to take the user name from. Add it."),
                errors(parsed));
    }
}
