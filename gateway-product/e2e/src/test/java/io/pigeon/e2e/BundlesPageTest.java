package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The console's Bundles page in Debian's Chromium (src/test/node/bundles.mjs): a person uploads the GPIO bundle
 * re-packed with a higher version and sees the new version on the same bundle id, then restores the old jar.
 */
@PigeonOnly("the HTTP console is Pigeon's")
@WithBroker
class BundlesPageTest {

    @Test
    void anUploadedJarShowsItsNewVersionOnTheSameBundleAndRestoreGoesBack(Broker b) throws Exception {
        int http = BundleUpdateTest.startConsole(b, 1);
        String initial = Files.readString(b.product.home.resolve("data/console/initial-admin-password")).strip();
        Path jar = b.dir.resolve("upload/io.pigeon.gpio.jar");
        String version = BundleJars.bumped(BundleJars.productJar(b.product, "io.pigeon.gpio"), "browser", jar);

        try (Proc browser = ConsoleBrowser.start("bundles.mjs", List.of("http://127.0.0.1:" + http, initial,
                "a new password for e2e", jar.toString(), "io.pigeon.gpio", version))) {
            Proc.Result r = browser.await(Duration.ofSeconds(160)).assertExit(0);
            for (Pattern step : List.of(Pattern.compile("^OK logged in$"),
                    Pattern.compile("^OK io\\.pigeon\\.gpio is bundle \\d+ version 0\\.1\\.0\\.\\S+$"),
                    Pattern.compile("^OK io\\.pigeon\\.gpio shows version " + Pattern.quote(version) + " as bundle \\d+$"),
                    Pattern.compile("^OK restore shows version 0\\.1\\.0\\.\\S+ as bundle \\d+$"),
                    Pattern.compile("^OK no script error and no Content-Security-Policy violation$"))) {
                assertTrue(r.lines().stream().anyMatch(l -> step.matcher(l).matches()), "missing /" + step + "/ in\n"
                        + r.output());
            }
        }
        assertTrue(b.output().contains("Updated io.pigeon.gpio from "), b.outputTail());
        assertTrue(b.output().contains("Restored io.pigeon.gpio "), b.outputTail());
    }
}
