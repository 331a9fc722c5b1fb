package io.pigeon.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where things are: system properties set by the pom, with defaults for running from an IDE in this module. */
final class Env {
    static final String LOOPBACK = "127.0.0.1";

    private Env() {
    }

    static boolean mosquittoMode() {
        return "mosquitto".equalsIgnoreCase(System.getProperty("pigeon.e2e.broker", "pigeon").trim());
    }

    static Path workDir() {
        Path p = Path.of(System.getProperty("pigeon.e2e.work", "target")).toAbsolutePath();
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static Path pythonDir() {
        return Path.of(System.getProperty("pigeon.e2e.python", "src/test/python")).toAbsolutePath();
    }

    static Path nodeDir() {
        return Path.of(System.getProperty("pigeon.e2e.node", "target/node")).toAbsolutePath();
    }

    static String python() {
        return "/usr/bin/python3";
    }

    /** The host name as the gateway reads it: its default gateway.id, the second level of the GPIO topics. */
    static String gatewayId() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port that was free a moment ago on the loopback interface. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
