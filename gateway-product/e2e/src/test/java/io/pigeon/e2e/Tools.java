package io.pigeon.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The command-line clients: mosquitto_pub/sub, Python paho-mqtt 1.6 scripts and MQTT.js scripts. */
final class Tools {
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern SUBACK = Pattern.compile("received SUBACK");
    /** mosquitto_sub output format: one line per message, easy to tell from -d debug lines. */
    static final String FORMAT = "MSG|%t|%q|%r|%p";

    private Tools() {
    }

    /** mosquitto_sub's stdout is block-buffered into a file; stdbuf makes each line visible as it is printed. */
    static final List<String> LINE_BUFFERED = List.of("stdbuf", "-oL");

    static List<String> withBroker(String tool, Broker b, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool, "-h", Env.LOOPBACK, "-p", String.valueOf(b.port)));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts mosquitto_sub with {@code -d} and returns once the broker has acknowledged the subscription; messages
     * appear in the output as {@code MSG|topic|qos|retain|payload} when {@code -F} is {@link #FORMAT}.
     */
    static Proc sub(Broker b, String... args) {
        List<String> cmd = withBroker("mosquitto_sub", b, "-d");
        cmd.addAll(List.of(args));
        cmd.addAll(0, LINE_BUFFERED);
        Proc p = Proc.start(cmd, null, Map.of());
        p.awaitLine(SUBACK, Duration.ofSeconds(10));
        return p;
    }

    /**
     * {@link #sub} on a listener of the product by its port, printing {@link #FORMAT} lines, for {@code -W 300} s at
     * the most.
     */
    static Proc sub(int port, String... filters) {
        List<String> cmd = new ArrayList<>(LINE_BUFFERED);
        cmd.addAll(List.of("mosquitto_sub", "-h", Env.LOOPBACK, "-p", Integer.toString(port), "-d", "-F", FORMAT, "-W",
                "300"));
        for (String f : filters) {
            cmd.add("-t");
            cmd.add(f);
        }
        Proc p = Proc.start(cmd, null, Map.of());
        p.awaitLine(SUBACK, Duration.ofSeconds(10));
        return p;
    }

    static Proc.Result pub(Broker b, String... args) {
        return Proc.run(RUN_TIMEOUT, withBroker("mosquitto_pub", b, args), null, Map.of()).assertExit(0);
    }

    /** The formatted message lines ({@code MSG|...}) a mosquitto_sub has printed so far. */
    static List<String> messages(Proc sub) {
        return sub.lines().stream().filter(l -> l.startsWith("MSG|")).toList();
    }

    /** Waits until {@code n} formatted messages have arrived or the time runs out; returns them. */
    static List<String> awaitMessages(Proc sub, int n, Duration timeout) {
        Sleep.until(timeout, () -> messages(sub).size() >= n);
        return messages(sub);
    }

    static List<String> python(Broker b, String script, String... args) {
        return python(b.port, script, args);
    }

    /** A paho script for a listener of the broker other than its first (TLS, WebSockets). */
    static List<String> python(int port, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Env.python(), "-u", Env.pythonDir().resolve(script).toString(),
                Env.LOOPBACK, String.valueOf(port)));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Proc startPython(Broker b, String script, String... args) {
        return Proc.start(python(b, script, args), Env.pythonDir(), Map.of());
    }

    static Proc.Result runPython(Broker b, String script, String... args) {
        return Proc.run(RUN_TIMEOUT, python(b, script, args), Env.pythonDir(), Map.of());
    }

    static Proc.Result runNode(Broker b, String script, String... args) {
        return runNode(b.port, script, args);
    }

    /** An MQTT.js script for a listener of the broker other than its first (TLS, WebSockets). */
    static Proc.Result runNode(int port, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("node", Env.nodeDir().resolve(script).toString(), Env.LOOPBACK,
                String.valueOf(port)));
        cmd.addAll(List.of(args));
        if (!Env.nodeDir().resolve("node_modules/mqtt").toFile().isDirectory()) {
            throw new AssertionError("MQTT.js is not installed in " + Env.nodeDir()
                    + ": run the build's generate-test-resources phase (npm ci)");
        }
        return Proc.run(RUN_TIMEOUT, cmd, Env.nodeDir(), Map.of());
    }
}
