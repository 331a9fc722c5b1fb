package io.pigeon.config.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.config.ConfigEditException;

/**
 * The line editor on real commented files, without OSGi: Pigeon's shipped etc/pigeon.conf and a configuration in the
 * style of Mosquitto's own (the banners and commented defaults of its example file, Debian's include_dir layout, a
 * file with CRLF line ends). Every change is written, read back by the parser, and compared with the file before it
 * line by line: only the lines concerned differ.
 */
class ConfEditorTest {

    @TempDir
    Path home;
    Path etc;
    Path conf;

    @BeforeEach
    void layout() throws IOException {
        etc = Files.createDirectories(home.resolve("etc"));
        conf = etc.resolve("pigeon.conf");
    }

    private String display(Path p) {
        return home.relativize(p).toString();
    }

    private ConfEditor editor() {
        return ConfEditor.read(conf, this::display);
    }

    /** Plans a change with a fresh editor and writes it, as the component does. */
    private ConfEditor.Change write(ConfEditor.Change change) throws IOException {
        ConfEditor.write(change.files());
        return change;
    }

    private static Map<String, List<String>> values(Object... pairs) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            Object v = pairs[i + 1];
            m.put((String) pairs[i], v instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                    : List.of(String.valueOf(v)));
        }
        return m;
    }

    private Map<String, Object> config(String pid) {
        ParsedConfig parsed = ConfParser.parse(conf, this::display);
        assertEquals(List.of(), parsed.errors(), "the written file parses");
        GeneratedConfig config = ConfigMapper.map(parsed).stream().collect(Collectors.toMap(GeneratedConfig::pid,
                c -> c)).get(pid);
        return config == null ? null : config.properties();
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** A line diff (longest common subsequence): "- old" and "+ new" lines in file order. */
    private static List<String> diff(List<String> before, List<String> after) {
        int n = before.size();
        int m = after.size();
        int[][] common = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                common[i][j] = before.get(i).equals(after.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && before.get(i).equals(after.get(j))) {
                i++;
                j++;
            } else if (j >= m || i < n && common[i + 1][j] >= common[i][j + 1]) {
                out.add("- " + before.get(i++));
            } else {
                out.add("+ " + after.get(j++));
            }
        }
        return out;
    }

    private static Path shippedConf() {
        String property = System.getProperty("pigeon.shippedConf");
        assertTrue(property != null && Files.isRegularFile(Path.of(property)), "the test runtime names the shipped"
                + " etc/pigeon.conf in pigeon.shippedConf (io.pigeon.config.tests/pom.xml): " + property);
        return Path.of(property);
    }

    @Test
    void theShippedFileGetsEachNewSettingUnderItsCommentedDefaultAndComesBackByteForByte() throws Exception {
        Files.copy(shippedConf(), conf);
        byte[] original = Files.readAllBytes(conf);
        List<String> before = lines(conf);

        ConfEditor.Change change = write(editor().update("io.pigeon.broker", values("max.qos", "1",
                "max.inflight.messages", List.of())));
        assertEquals("io.pigeon.broker", change.pid());
        List<String> after = lines(conf);
        assertEquals(List.of("+ max_qos 1"), diff(before, after), "a field left empty writes nothing");
        assertEquals("#max_qos 2", after.get(after.indexOf("max_qos 1") - 1), "right under its commented default");
        assertEquals(1, config("io.pigeon.broker").get("max.qos"));
        assertEquals(1, config("io.pigeon.listener~1883").get("max.qos"), "before any listener: for every listener");

        write(editor().update("io.pigeon.logging", values("log.levels", List.of("io.netty=warning"), "log.level",
                "debug")));
        List<String> logging = lines(conf);
        assertEquals(List.of("+ log_level debug", "+ log_level io.netty warning"), diff(after, logging));
        assertEquals("#log_level io.pigeon.broker debug", logging.get(logging.indexOf("log_level debug") - 1));
        assertEquals("debug", config("io.pigeon.logging").get("log.level"));
        assertArrayEquals(new String[] {"io.netty=warning"}, (String[]) config("io.pigeon.logging").get("log.levels"));

        write(editor().update("io.pigeon.logging", values("log.levels", List.of(), "log.level", List.of())));
        write(editor().update("io.pigeon.broker", values("max.qos", List.of())));
        assertArrayEquals(original, Files.readAllBytes(conf), "clearing the values gives back the file as shipped");
    }

    @Test
    void aFirstListenerKeepsTheDefaultListenerThatWasThereAndGoesAtTheEnd() throws Exception {
        Files.copy(shippedConf(), conf);
        List<String> before = lines(conf);
        ConfEditor.Change change = write(editor().add("io.pigeon.listener", values("port", "8883", "bind.address",
                "127.0.0.1", "protocol", "websockets", "max.connections", "50")));
        assertEquals("io.pigeon.listener~8883-127.0.0.1", change.pid());
        assertEquals(List.of("+ ", "+ listener 1883", "+ ", "+ listener 8883 127.0.0.1", "+ protocol websockets",
                "+ max_connections 50"), diff(before, lines(conf)));
        assertEquals(1883, config("io.pigeon.listener~1883").get("port"), "the listener clients use now stays");
        assertEquals("websockets", config("io.pigeon.listener~8883-127.0.0.1").get("protocol"));

        write(editor().remove("io.pigeon.listener~8883-127.0.0.1"));
        assertEquals(List.of("+ ", "+ listener 1883", "+ "), diff(before, lines(conf)), "its lines go, blank lines stay");
        ConfigEditException refused = assertThrows(ConfigEditException.class, () -> editor().add("io.pigeon.listener",
                values("port", "1883")));
        assertEquals(ConfigEditException.Reason.INVALID, refused.reason());
        assertTrue(refused.byKey().get("port").toString().startsWith("etc/pigeon.conf:"), refused.byKey().toString());
        assertTrue(refused.getMessage().contains("port 1883 is already used by the listener at etc/pigeon.conf:"),
                refused.getMessage());
    }

    /** Mosquitto's layout: banners, commented defaults, settings of its own, include_dir as Debian ships it. */
    private void mosquittoStyle() throws IOException {
        Files.writeString(conf, """
                # Config file for mosquitto
                #
                # See mosquitto.conf(5) for more information.
                #
                # Default values are shown, uncomment to change.

                # =================================================================
                # General configuration
                # =================================================================

                # The maximum number of QoS 1 and 2 messages currently inflight per
                # client.
                #max_inflight_messages 20
                max_inflight_messages 10   # per client, for the small sensors

                pid_file /run/mosquitto/mosquitto.pid

                persistence true
                persistence_location data/

                log_dest file logs/mosquitto.log

                include_dir conf.d

                # =================================================================
                # Default listener
                # =================================================================

                # Port to use for the default listener.
                listener 1883
                #max_connections -1
                #protocol mqtt
                """);
        Files.createDirectories(etc.resolve("data"));
        Files.createDirectories(home.resolve("etc/logs"));
        Path confD = Files.createDirectories(etc.resolve("conf.d"));
        Files.writeString(confD.resolve("bridge.conf"), String.join("\r\n", "# the central broker",
                "connection central", "address central.example.org:1883", "topic sensors/# out 1 \"\" site1/",
                "topic cmd/# in 1 \"\" site1/", "remote_password secret #1", "", "# end of the bridge", ""));
        Files.writeString(confD.resolve("lan.conf"), "# the LAN listener\nlistener 1884 127.0.0.1\n"
                + "max_connections 10 # the LAN\n");
    }

    @Test
    void aSettingInAnIncludedFileIsChangedInThatFileKeepingItsCommentAndLineEnds() throws Exception {
        mosquittoStyle();
        Path lan = etc.resolve("conf.d/lan.conf");
        Path bridge = etc.resolve("conf.d/bridge.conf");
        String mainBefore = Files.readString(conf);
        byte[] bridgeBefore = Files.readAllBytes(bridge);
        ConfEditor.Change change = write(editor().update("io.pigeon.listener~1884-127.0.0.1",
                values("max.connections", "20", "port", "1884", "bind.address", "127.0.0.1")));
        assertEquals(List.of(lan), List.copyOf(change.files().keySet()), "only the file with the line");
        assertEquals("# the LAN listener\nlistener 1884 127.0.0.1\nmax_connections 20 # the LAN\n", Files.readString(lan));
        assertEquals(mainBefore, Files.readString(conf));
        assertArrayEquals(bridgeBefore, Files.readAllBytes(bridge));
        assertEquals(20, config("io.pigeon.listener~1884-127.0.0.1").get("max.connections"));

        change = write(editor().update("io.pigeon.listener~1884-127.0.0.1", values("port", "1885")));
        assertEquals("io.pigeon.listener~1885-127.0.0.1", change.pid(), "the port names the configuration");
        assertEquals("# the LAN listener\nlistener 1885 127.0.0.1\nmax_connections 20 # the LAN\n", Files.readString(lan));

        write(editor().update("io.pigeon.bridge~central", values("topic", List.of("cmd/# in 1 \"\" site1/",
                "alerts/# out 2"), "remote.clientid", "gw1")));
        assertEquals(String.join("\r\n", "# the central broker", "connection central",
                "address central.example.org:1883", "topic cmd/# in 1 \"\" site1/", "topic alerts/# out 2",
                "remote_password secret #1", "remote_clientid gw1", "", "# end of the bridge", ""),
                Files.readString(bridge), "CRLF kept; the kept topic line untouched, the new one after it");
        assertArrayEquals(new String[] {"cmd/# in 1 \"\" site1/", "alerts/# out 2"},
                (String[]) config("io.pigeon.bridge~central").get("topic"));

        write(editor().update("io.pigeon.bridge~central", values(".remote.password", "s3cret #2")));
        assertTrue(Files.readString(bridge).contains("\r\nremote_password s3cret #2\r\n"), "'#' is part of a"
                + " password (the rest of the line), so there is no comment to keep");
        assertEquals("s3cret #2", config("io.pigeon.bridge~central").get(".remote.password"));
    }

    @Test
    void aChangedValueKeepsItsTrailingCommentAndANewGlobalOneGoesBeforeTheFirstSection() throws Exception {
        mosquittoStyle();
        List<String> before = lines(conf);
        write(editor().update("io.pigeon.broker", values("max.inflight.messages", "30", "max.queued.messages",
                "500", "persistence", "true", "persistence.location", etc.resolve("data").toString())));
        List<String> after = lines(conf);
        assertEquals(List.of("- max_inflight_messages 10   # per client, for the small sensors",
                "+ max_inflight_messages 30   # per client, for the small sensors", "+ max_queued_messages 500"),
                diff(before, after), "an unchanged value (the same path written another way) is left alone");
        assertEquals("include_dir conf.d", after.get(after.indexOf("max_queued_messages 500") + 1),
                "before include_dir, whose files (with sections) would otherwise come first");
        assertEquals(500, config("io.pigeon.broker").get("max.queued.messages"));
        assertEquals(30, config("io.pigeon.broker").get("max.inflight.messages"));

        write(editor().update("io.pigeon.listener~1883", values("max.connections", "5", "protocol", "mqtt")));
        List<String> listener = lines(conf);
        assertEquals(List.of("+ max_connections 5", "+ protocol mqtt"), diff(after, listener));
        assertEquals("#max_connections -1", listener.get(listener.indexOf("max_connections 5") - 1));
        assertEquals("#protocol mqtt", listener.get(listener.indexOf("protocol mqtt") - 1));

        write(editor().update("io.pigeon.logging", values("log.dest", List.of("stdout", "file"), "log.file",
                "logs/mosquitto.log")));
        List<String> logging = lines(conf);
        assertEquals(List.of("+ log_dest stdout"), diff(listener, logging), "the file line is as it was");
        assertArrayEquals(new String[] {"file", "stdout"}, (String[]) config("io.pigeon.logging").get("log.dest"));
    }

    @Test
    void aValueTheParserRefusesIsRefusedWithItsMessageAndNothingIsWritten() throws Exception {
        mosquittoStyle();
        Path lan = etc.resolve("conf.d/lan.conf");
        String before = Files.readString(lan);
        ConfigEditException refused = assertThrows(ConfigEditException.class, () -> editor().update(
                "io.pigeon.listener~1884-127.0.0.1", values("max.qos", "3", "max.connections", "many")));
        assertEquals(ConfigEditException.Reason.INVALID, refused.reason());
        assertEquals("etc/conf.d/lan.conf:3: max_connections many # the LAN: must be a whole number of at least -1."
                + " Fix the value or remove the line.", refused.byKey().get("max.connections").toString());
        assertEquals("etc/conf.d/lan.conf:4: max_qos 3: must be 0, 1 or 2. Fix the value or remove the line.",
                refused.byKey().get("max.qos").toString());
        assertEquals(before, Files.readString(lan));

        ConfigEditException injected = assertThrows(ConfigEditException.class, () -> editor().update(
                "io.pigeon.broker", values("auto.id.prefix", "x\nallow_anonymous true")));
        assertTrue(injected.byKey().get("auto.id.prefix").message().contains("one line"), injected.getMessage());

        ConfigEditException unsupported = assertThrows(ConfigEditException.class, () -> editor().update(
                "io.pigeon.broker", values("queue.qos0.messages", "true")));
        assertTrue(unsupported.getMessage().contains("not supported by Pigeon"), unsupported.getMessage());

        write(editor().update("io.pigeon.broker", values("max.qos", "1")));
        ConfigEditException inherited = assertThrows(ConfigEditException.class, () -> editor().update(
                "io.pigeon.listener~1883", values("max.qos", List.of())));
        assertTrue(inherited.getMessage().contains("before the first listener line, for every listener"),
                inherited.getMessage());

        Files.writeString(lan, before + "max_qos 9\n");
        ConfigEditException broken = assertThrows(ConfigEditException.class, () -> editor().update(
                "io.pigeon.broker", values("max.queued.messages", "5")));
        assertTrue(broken.getMessage().startsWith("etc/pigeon.conf has errors"), broken.getMessage());
        assertEquals("etc/conf.d/lan.conf:4", broken.problems().get(0).location());
    }

    @Test
    void removingASectionRemovesItsLinesAndKeepsTheComments() throws Exception {
        mosquittoStyle();
        Path bridge = etc.resolve("conf.d/bridge.conf");
        write(editor().remove("io.pigeon.bridge~central"));
        assertEquals("# the central broker\r\n\r\n# end of the bridge\r\n", Files.readString(bridge));
        assertNull(config("io.pigeon.bridge~central"));

        ConfEditor.Change added = write(editor().add("io.pigeon.bridge", values("name", "cloud", "address",
                List.of("a.example:8883", "b.example:8883"), "topic", List.of("# out 1"))));
        assertEquals("io.pigeon.bridge~cloud", added.pid());
        List<String> main = lines(conf);
        assertEquals(List.of("#protocol mqtt", "", "connection cloud", "address a.example:8883 b.example:8883",
                "topic # out 1"), main.subList(main.size() - 5, main.size()));
        assertArrayEquals(new String[] {"a.example:8883", "b.example:8883"},
                (String[]) config("io.pigeon.bridge~cloud").get("address"));
    }

    @Test
    void pigeonsDefaultListenerGetsAListenerLineWhenItGetsSettingsOfItsOwn() throws Exception {
        Files.writeString(conf, "# only broker settings\nmax_qos 1\n");
        ConfEditor.Change change = write(editor().update("io.pigeon.listener~1883", values("max.connections", "5",
                "max.qos", "1")));
        assertEquals("io.pigeon.listener~1883", change.pid());
        assertEquals("# only broker settings\nmax_qos 1\n\nlistener 1883\nmax_connections 5\n", Files.readString(conf));
        assertEquals(1, config("io.pigeon.listener~1883").get("max.qos"), "still from the line above");

        Files.writeString(conf, "port 1884\nlistener 8883\n");
        change = write(editor().update("io.pigeon.listener~1884", values("port", "1885")));
        assertEquals("io.pigeon.listener~1885", change.pid());
        assertEquals("listener 8883\n\nlistener 1885\n", Files.readString(conf), "the deprecated port line becomes"
                + " a listener line");
    }

    @Test
    void theFileIsReplacedAtomicallyWithItsModeAndThroughASymbolicLink() throws Exception {
        Path real = Files.createDirectories(home.resolve("real")).resolve("pigeon.conf");
        Files.writeString(real, "max_qos 1\n");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Files.createSymbolicLink(conf, real);
        write(editor().update("io.pigeon.broker", values("max.qos", "2")));
        assertTrue(Files.isSymbolicLink(conf), "the link stays");
        assertEquals("max_qos 2\n", Files.readString(real));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
        try (var entries = Files.list(real.getParent())) {
            assertEquals(List.of("pigeon.conf"), entries.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left");
        }
    }

    @Test
    void theVersionChangesWithAnyFileOfTheSetAndAnUnchangedFormWritesNothing() throws Exception {
        mosquittoStyle();
        String version = editor().version();
        assertEquals(version, editor().version());
        ConfEditor.Change same = editor().update("io.pigeon.listener~1884-127.0.0.1", values("max.connections", "10",
                "config.source", "etc/conf.d/lan.conf:2", "port", "1884"));
        assertTrue(same.files().isEmpty(), "nothing to write: " + same.files().keySet());
        Files.writeString(etc.resolve("conf.d/lan.conf"), "listener 1884 127.0.0.1\n");
        assertFalse(version.equals(editor().version()), "an included file changed");
        String edited = editor().version();
        Files.writeString(etc.resolve("conf.d/more.conf"), "# a new file\n");
        assertFalse(edited.equals(editor().version()), "a file appeared in the include_dir");
    }
}
