package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A browser test of the console: a script of src/test/node (they share console-browser.mjs) that drives Debian's
 * Chromium through playwright-core and prints one "OK <step>" line per step.
 */
final class ConsoleBrowser {
    private ConsoleBrowser() {
    }

    /** Starts {@code node SCRIPT ARGS...} in the node directory, once Chromium and playwright-core are there. */
    static Proc start(String script, List<String> args) {
        Path chromium = Path.of(System.getProperty("pigeon.e2e.chromium", "/usr/bin/chromium"));
        assertTrue(Files.isExecutable(chromium), chromium + " is missing: `sudo apt-get install chromium` "
                + "(.ci/run installs it)");
        assertTrue(Files.isDirectory(Env.nodeDir().resolve("node_modules/playwright-core")),
                "playwright-core is not installed in " + Env.nodeDir() + "; the e2e build runs `npm ci` there");
        List<String> command = new ArrayList<>(List.of("node", Env.nodeDir().resolve(script).toString()));
        command.addAll(args);
        return Proc.start(command, Env.nodeDir(), Map.of("PIGEON_CHROMIUM", chromium.toString()));
    }
}
