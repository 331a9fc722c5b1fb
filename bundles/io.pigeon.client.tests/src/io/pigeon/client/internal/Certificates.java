package io.pigeon.client.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test CA and certificates made with the openssl command line, as a user would make them: a server certificate for
 * localhost/127.0.0.1, one for another name (for the host name check), and a client certificate with a PKCS#8 key.
 */
final class Certificates {

    final Path dir;
    final Path ca;
    final Path serverCert;
    final Path serverKey;
    final Path otherCert;
    final Path otherKey;
    final Path clientCert;
    final Path clientKey;

    Certificates(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        ca = dir.resolve("ca.crt");
        serverCert = dir.resolve("server.crt");
        serverKey = dir.resolve("server.key");
        otherCert = dir.resolve("other.crt");
        otherKey = dir.resolve("other.key");
        clientCert = dir.resolve("client.crt");
        clientKey = dir.resolve("client.key");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Pigeon test CA",
                "-keyout", dir.resolve("ca.key").toString(), "-out", ca.toString());
        sign("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        sign("other", "other.example", "subjectAltName=DNS:other.example");
        sign("client", "pigeon-client", "extendedKeyUsage=clientAuth");
    }

    private void sign(String name, String cn, String extension) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, extension + "\n");
        // genpkey writes PKCS#8 ("BEGIN PRIVATE KEY"), the format the client reads without extra libraries.
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=" + cn, "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", dir.resolve("ca.key").toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", dir.resolve(name + ".crt")
                        .toString());
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + new String(out));
        }
    }
}
