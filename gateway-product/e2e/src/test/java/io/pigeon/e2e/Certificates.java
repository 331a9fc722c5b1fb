package io.pigeon.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Test certificates made with the openssl command line, as a user would make them: a CA, a server certificate for
 * localhost and 127.0.0.1 with its key in the three PEM forms OpenSSL writes (PKCS#8, PKCS#1 "RSA PRIVATE KEY",
 * SEC1 "EC PRIVATE KEY" after "EC PARAMETERS"), client certificates signed by the CA, and a second, untrusted CA
 * with a client certificate of its own. Files are valid for two days.
 */
final class Certificates {

    final Path dir;

    private Certificates(Path dir) {
        this.dir = dir;
    }

    /** CA and server files, plus one client certificate per name in {@code clients} (CN = the name). */
    static Certificates make(String... clients) {
        Path dir = Product.newRunDir().resolve("certs");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Certificates c = new Certificates(dir);
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=Pigeon e2e CA");
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue-ca.key", "-out", "rogue-ca.crt",
                "-days", "2", "-subj", "/CN=Rogue CA");
        c.write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        // RSA server key, PKCS#8 (openssl 3's default), and the same key as PKCS#1
        c.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
                "/CN=localhost");
        c.sign("server", "ca", "server.ext");
        c.openssl("rsa", "-in", "server.key", "-traditional", "-out", "server-pkcs1.key");
        // EC server key, SEC1 with its parameters block, as `openssl ecparam -genkey` writes it
        c.openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "server-ec.key");
        c.openssl("req", "-new", "-key", "server-ec.key", "-out", "server-ec.csr", "-subj", "/CN=localhost");
        c.sign("server-ec", "ca", "server.ext");
        for (String name : clients) {
            c.client(name, "ca");
        }
        c.client("mallory", "rogue-ca");
        c.readableByAll();
        return c;
    }

    /**
     * Revokes the client certificates of {@code names} with {@code openssl ca} and writes the CA's CRL to crl.pem,
     * as an administrator would.
     */
    void revoke(String... names) {
        write("ca.cnf", "[ ca ]\ndefault_ca = test\n[ test ]\ndatabase = index.txt\ncrlnumber = crlnumber\n"
                + "default_md = sha256\ndefault_crl_days = 2\n");
        write("index.txt", "");
        write("crlnumber", "01\n");
        for (String name : names) {
            openssl("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-revoke", name + ".crt");
        }
        openssl("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-gencrl", "-out", "crl.pem");
        readableByAll();
    }

    private void client(String name, String ca) {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                "/O=Pigeon e2e/CN=" + name);
        sign(name, ca, null);
    }

    private void sign(String name, String ca, String extensions) {
        List<String> args = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey",
                ca + ".key", "-CAcreateserial", "-out", name + ".crt", "-days", "2"));
        if (extensions != null) {
            args.addAll(List.of("-extfile", extensions));
        }
        openssl(args.toArray(new String[0]));
    }

    /**
     * openssl writes keys for its user only; Mosquitto started as root (the reference broker) reads them as the
     * mosquitto user. Test keys only.
     */
    private void readableByAll() {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** The absolute path as a string, for configuration lines and command lines. */
    String path(String name) {
        return file(name).toString();
    }

    String read(String name) {
        try {
            return Files.readString(file(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(String name, String content) {
        try {
            Files.writeString(file(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void openssl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Proc.run(Duration.ofSeconds(30), cmd, dir, java.util.Map.of()).assertExit(0);
    }
}
