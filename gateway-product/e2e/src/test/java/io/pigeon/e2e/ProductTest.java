package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The product archive and its launcher, as a Pi owner meets them (issue 2). */
@PigeonOnly("tests the product archive and bin/pigeon")
class ProductTest {

    static final Pattern VERSION = Pattern.compile("\\b(\\d+\\.\\d+\\.\\d+)");
    static final Pattern USAGE = Pattern.compile("(?i)usage");
    static final Pattern STOP_LINE = Pattern.compile("(?i)\\bstopp(ing|ed)\\b.*\\bpigeon\\b|\\bpigeon\\b.*\\bstopped\\b");
    static final Duration CLI_TIMEOUT = Duration.ofSeconds(30);

    private static Product product;

    @BeforeAll
    static void unpack() {
        product = Product.unpack();
    }

    @Test
    void archiveHasTheDocumentedLayout() {
        for (String p : List.of("bin/pigeon", "etc/pigeon.conf", "etc/pigeon.service", "deploy", "data", "logs")) {
            assertTrue(Files.exists(product.home.resolve(p)), p + " is missing from the archive (" + product.home + ")");
        }
    }

    @Test
    void helpExitsZeroWithUsage() {
        Proc.Result r = product.run(CLI_TIMEOUT, "--help").assertExit(0);
        assertTrue(USAGE.matcher(r.output()).find(), "no usage text:\n" + r.output());
        assertTrue(r.output().contains("--config"), "usage does not mention --config:\n" + r.output());
    }

    @Test
    void versionPrintsTheVersion() {
        Proc.Result r = product.run(CLI_TIMEOUT, "--version").assertExit(0);
        assertTrue(VERSION.matcher(r.output()).find(), "no version number:\n" + r.output());
    }

    @Test
    void unknownOptionExits2WithUsage() {
        Proc.Result r = product.run(CLI_TIMEOUT, "--bogus").assertExit(2);
        assertTrue(USAGE.matcher(r.output()).find(), "no usage text:\n" + r.output());
        assertTrue(r.output().contains("--bogus"), "the message does not name the bad option:\n" + r.output());
    }

    @Test
    void badConfigurationStopsStartUpNamingFileAndLine() throws Exception {
        Path conf = product.home.resolve("etc/pigeon.conf");
        Path saved = product.dir.resolve("pigeon.conf.orig");
        Files.copy(conf, saved);
        try {
            Files.write(conf, List.of("# e2e: line 3 has a value Pigeon must refuse",
                    "listener " + Env.freePort() + " " + Env.LOOPBACK,
                    "max_qos 7"));
            Proc.Result r = product.run(Duration.ofSeconds(60));
            assertNotEquals(0, r.exitCode(), "started with max_qos 7:\n" + r.output());
            assertTrue(r.output().contains("pigeon.conf:3"), "the message does not name pigeon.conf:3:\n" + r.output());
        } finally {
            Files.copy(saved, conf, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Netty and Jetty log through SLF4J 2, which finds slf4j-jdk14 (into java.util.logging and the gateway log) through
     * the io.pigeon.logging.slf4j fragment, with SPI Fly not started. Without a provider SLF4J warns on stderr and
     * Netty falls back to java.util.logging; Jetty's log would be lost.
     */
    @Test
    @WithBroker(pigeon = "log_level io.netty.util.internal.logging debug")
    void nettyAndJettyLogThroughSlf4jIntoTheGatewayLog(Broker b) {
        assertTrue(Sleep.until(Duration.ofSeconds(20), () -> b.output().contains("Using SLF4J as the default logging")),
                "Netty did not choose SLF4J (no provider found?):\n" + b.outputTail());
        assertTrue(b.output().lines().noneMatch(l -> l.startsWith("SLF4J")),
                "SLF4J complained on the console:\n" + b.outputTail());
    }

    @Test
    @WithBroker
    void startUpLineThenCleanStopOnSigterm(Broker b) {
        String version = VERSION.matcher(product.run(CLI_TIMEOUT, "--version").assertExit(0).output()).results()
                .findFirst().map(m -> m.group(1)).orElseThrow();
        String line = b.output().lines().filter(l -> Broker.PIGEON_STARTED.matcher(l).find()).findFirst().orElseThrow();
        assertTrue(line.contains(version), "start-up line without the version " + version + ": " + line);
        assertTrue(line.contains(Env.LOOPBACK + ":" + b.port), "start-up line without the listening address: " + line);
        assertTrue(Pattern.compile("\\d+(\\.\\d+)? ?(ms|s)\\b").matcher(line).find(), "start-up line without a time: " + line);
        assertEquals(1, b.output().lines().filter(l -> Broker.PIGEON_STARTED.matcher(l).find()).count(),
                "exactly one start-up line");

        int before = b.output().length();
        Duration took = b.stop(Duration.ofSeconds(5));
        int exit = b.proc.process.exitValue();
        assertTrue(exit == 0 || exit == 143, "exit code after SIGTERM: " + exit + "\n" + b.outputTail());
        String afterSignal = b.output().substring(before);
        assertTrue(afterSignal.lines().anyMatch(l -> STOP_LINE.matcher(l).find()), "no clean-stop line:\n" + b.outputTail());
        assertTrue(afterSignal.lines().noneMatch(l -> l.contains("Exception") || l.contains("ERROR")),
                "errors while stopping:\n" + afterSignal);
        System.out.println("stopped in " + took.toMillis() + " ms");
    }
}
