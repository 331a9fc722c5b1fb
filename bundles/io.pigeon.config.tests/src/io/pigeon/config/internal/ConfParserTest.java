package io.pigeon.config.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.config.ConfigProblem;

/** The parser and mapper without OSGi: messages exactly as users read them. */
class ConfParserTest {

    @TempDir
    Path home;
    Path conf;

    @BeforeEach
    void layout() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        conf = home.resolve("etc/pigeon.conf");
    }

    private ParsedConfig parse(String... lines) throws IOException {
        Files.writeString(conf, String.join("\n", lines) + "\n");
        return ConfParser.parse(conf, p -> home.relativize(p).toString());
    }

    private static List<String> messages(ParsedConfig parsed, ConfigProblem.Severity severity) {
        return parsed.problems.stream().filter(p -> p.severity() == severity).map(ConfigProblem::toString)
                .collect(Collectors.toList());
    }

    private static List<String> errors(ParsedConfig parsed) {
        return messages(parsed, ConfigProblem.Severity.ERROR);
    }

    private static List<String> warnings(ParsedConfig parsed) {
        return messages(parsed, ConfigProblem.Severity.WARNING);
    }

    private static Map<String, GeneratedConfig> configs(ParsedConfig parsed) {
        return ConfigMapper.map(parsed).stream().collect(Collectors.toMap(GeneratedConfig::pid, c -> c));
    }

    @Test
    void noFileGivesDefaultListenerOn1883() {
        ParsedConfig parsed = ConfParser.parse(home.resolve("etc/absent.conf"));
        assertTrue(parsed.problems.isEmpty());
        Map<String, GeneratedConfig> configs = configs(parsed);
        assertEquals(1883, configs.get("io.pigeon.listener~1883").properties().get("port"));
        assertEquals(Boolean.TRUE, configs.get("io.pigeon.broker").properties().get("pigeon.generated"));
        assertTrue(configs.containsKey("io.pigeon.logging"));
        assertEquals(3, configs.size());
        assertEquals(3, configs(ConfParser.parse(null)).size());
    }

    @Test
    void commentsBlankLinesAndTypes() throws IOException {
        ParsedConfig parsed = parse("# a comment", "", "   ", "max_inflight_messages 20", "  retain_available false  ",
                "max_queued_bytes 10000000000", "persistent_client_expiration 2h", "auto_id_prefix pigeon-",
                "max_qos 1\r");
        assertEquals(List.of(), parsed.problems);
        Map<String, Object> broker = configs(parsed).get("io.pigeon.broker").properties();
        assertEquals(20, broker.get("max.inflight.messages"));
        assertEquals(Boolean.FALSE, broker.get("retain.available"));
        assertEquals(10_000_000_000L, broker.get("max.queued.bytes"));
        assertEquals("2h", broker.get("persistent.client.expiration"));
        assertEquals("pigeon-", broker.get("auto.id.prefix"));
        assertEquals(1, broker.get("max.qos"));
        assertEquals("etc/pigeon.conf", broker.get("config.source"));
        assertTrue(List.of((String[]) broker.get("config.sources")).contains("max.qos=etc/pigeon.conf:9"));
        assertEquals(1, configs(parsed).get("io.pigeon.listener~1883").properties().get("max.qos"));
    }

    @Test
    void topicAliasMaximumIsAnotherNameForMaxTopicAlias() throws IOException {
        ParsedConfig parsed = parse("max_topic_alias 5", "listener 1884", "topic_alias_maximum 3");
        assertEquals(List.of(), errors(parsed));
        Map<String, GeneratedConfig> configs = configs(parsed);
        // the broker's and the listener's metatype attribute is max_topic_alias
        assertEquals(5, configs.get("io.pigeon.broker").properties().get("max.topic.alias"));
        assertEquals(3, configs.get("io.pigeon.listener~1884").properties().get("max.topic.alias"));
        assertNull(configs.get("io.pigeon.listener~1884").properties().get("topic.alias.maximum"));
    }

    @Test
    void badIntegerNamesFileLineValueAndFix() throws IOException {
        ParsedConfig parsed = parse("", "max_qos 3", "max_inflight_messages lots", "max_keepalive 70000");
        assertEquals(List.of(
                "etc/pigeon.conf:2: max_qos 3: must be 0, 1 or 2. Fix the value or remove the line.",
                "etc/pigeon.conf:3: max_inflight_messages lots: must be a whole number from 0 to 65535. Fix the value"
                        + " or remove the line.",
                "etc/pigeon.conf:4: max_keepalive 70000: must be a whole number from 0 to 65535. Fix the value or"
                        + " remove the line."),
                errors(parsed));
    }

    @Test
    void badBooleanDurationEnumAndMissingValue() throws IOException {
        ParsedConfig parsed = parse("retain_available yes", "persistent_client_expiration 2", "protocol mqttsn",
                "sys_interval", "max_qos 1 2");
        assertEquals(List.of(
                "etc/pigeon.conf:1: retain_available yes: must be true or false. Fix the value or remove the line.",
                "etc/pigeon.conf:2: persistent_client_expiration 2: must be a number followed by h (hours), d (days),"
                        + " w (weeks), m (months) or y (years), e.g. 2h or 14d. Fix the value or remove the line.",
                "etc/pigeon.conf:3: protocol mqttsn: must be mqtt or websockets. Fix the value or remove the line.",
                "etc/pigeon.conf:4: sys_interval: needs a value. Fix the value or remove the line.",
                "etc/pigeon.conf:5: max_qos 1 2: takes one value, found 2. Fix the value or remove the line."),
                errors(parsed));
    }

    @Test
    void unknownWordIsAnErrorWithASuggestion() throws IOException {
        ParsedConfig parsed = parse("max_inflight_mesages 10", "frobnicate on");
        assertEquals(List.of(
                "etc/pigeon.conf:1: max_inflight_mesages 10: unknown directive. Did you mean max_inflight_messages?"
                        + " Check the spelling or remove the line.",
                "etc/pigeon.conf:2: frobnicate on: unknown directive. Check the spelling or remove the line."),
                errors(parsed));
    }

    @Test
    void knownMosquittoDirectiveIsAWarningSayingWhatPigeonDoes() throws IOException {
        ParsedConfig parsed = parse("pid_file /run/mosquitto.pid", "log_dest syslog", "auth_opt_db x");
        assertEquals(List.of(), errors(parsed));
        assertEquals(List.of(
                "etc/pigeon.conf:1: pid_file /run/mosquitto.pid: not supported by Pigeon. Pigeon runs in the"
                        + " foreground; systemd tracks its process.",
                "etc/pigeon.conf:2: log_dest syslog: Pigeon does not log to syslog; it logs to stdout (collected by"
                        + " journald under systemd) and to logs/pigeon.log.",
                "etc/pigeon.conf:3: auth_opt_db x: Pigeon has no C plugins, so plugin options are ignored."),
                warnings(parsed));
    }

    @Test
    void missingFilesAndDirectoriesAreErrors() throws IOException {
        ParsedConfig parsed = parse("include_dir conf.d", "password_file passwd");
        assertEquals(List.of(
                "etc/pigeon.conf:1: include_dir conf.d: directory " + home.resolve("etc/conf.d")
                        + " not found. Create it or fix the path.",
                "etc/pigeon.conf:2: password_file passwd: file " + home.resolve("etc/passwd")
                        + " not found. Create it or fix the path."),
                errors(parsed));
    }

    @Test
    void duplicatesAndMisplacedDirectivesAreErrors() throws IOException {
        ParsedConfig parsed = parse("sys_interval 10", "sys_interval 20", "address example.org", "mount_point a/");
        assertEquals(List.of(
                "etc/pigeon.conf:2: sys_interval 20: already set at etc/pigeon.conf:1. Remove one of the two lines.",
                "etc/pigeon.conf:3: address example.org: is a bridge setting and must follow a `connection NAME` line."
                        + " Move it into a connection section or remove it.",
                "etc/pigeon.conf:4: mount_point a/: must follow a listener line, as in Mosquitto. Add `listener 1883`"
                        + " (or your port) above it."),
                errors(parsed));
    }

    @Test
    void includeDirReadsConfFilesInMosquittoOrder() throws IOException {
        Path dir = Files.createDirectories(home.resolve("etc/conf.d"));
        for (String name : List.of("b.conf", "a.conf", "A.conf", "10.conf", "notes.txt", ".conf")) {
            Files.writeString(dir.resolve(name), "log_level logger." + name + " debug\n");
        }
        ParsedConfig parsed = parse("include_dir conf.d");
        assertEquals(List.of(), parsed.problems);
        String[] levels = (String[]) configs(parsed).get("io.pigeon.logging").properties().get("log.levels");
        assertArrayEquals(new String[] {"logger.10.conf=debug", "logger.A.conf=debug", "logger.a.conf=debug",
            "logger.b.conf=debug"}, levels);
        assertTrue(parsed.watched.contains(dir.toAbsolutePath().normalize()));
    }

    @Test
    void errorsInIncludedFilesNameThatFile() throws IOException {
        Path dir = Files.createDirectories(home.resolve("etc/conf.d"));
        Files.writeString(dir.resolve("tls.conf"), "\nmax_qos 7\ninclude_dir .\n");
        ParsedConfig parsed = parse("include_dir conf.d");
        assertEquals(List.of("etc/conf.d/tls.conf:2: max_qos 7: must be 0, 1 or 2. Fix the value or remove the line."),
                errors(parsed));
        assertEquals(List.of("etc/conf.d/tls.conf:3: include_dir .: is only read in the main file, as in Mosquitto;"
                + " this line is ignored. Move it to the main file."), warnings(parsed));
    }

    @Test
    void listenerSectionsScopeListenerDirectives() throws IOException {
        ParsedConfig parsed = parse("max_connections 100", "listener 1883", "listener 8883 127.0.0.1",
                "max_connections 5", "protocol mqtt", "mount_point site/", "max_inflight_messages 10",
                "listener 9001", "protocol websockets");
        assertEquals(List.of(), errors(parsed));
        Map<String, GeneratedConfig> configs = configs(parsed);
        assertEquals(5, configs.size());
        Map<String, Object> plain = configs.get("io.pigeon.listener~1883").properties();
        Map<String, Object> local = configs.get("io.pigeon.listener~8883-127.0.0.1").properties();
        Map<String, Object> ws = configs.get("io.pigeon.listener~9001").properties();
        assertEquals(100, plain.get("max.connections"));
        assertNull(plain.get("bind.address"));
        assertEquals("etc/pigeon.conf:2", plain.get("config.source"));
        assertEquals(5, local.get("max.connections"));
        assertEquals("127.0.0.1", local.get("bind.address"));
        assertEquals("site/", local.get("mount.point"));
        assertEquals(8883, local.get("port"));
        assertEquals("websockets", ws.get("protocol"));
        // a global directive stays global even inside a listener section, as in Mosquitto
        assertEquals(10, configs.get("io.pigeon.broker").properties().get("max.inflight.messages"));
        assertFalse(local.containsKey("max.inflight.messages"));
        assertEquals(List.of("etc/pigeon.conf:1: max_connections 100: comes before the first listener line. Mosquitto"
                + " applies it to an extra default listener on port 1883; Pigeon applies it to every listener and opens"
                + " no extra port. Move it into the listener sections to make that explicit."), warnings(parsed));
    }

    @Test
    void perListenerSettingsMovesSecurityToListeners() throws IOException {
        Files.writeString(home.resolve("etc/passwd"), "");
        ParsedConfig parsed = parse("per_listener_settings true", "allow_anonymous true", "listener 1883",
                "listener 8883", "allow_anonymous false", "password_file passwd");
        assertEquals(List.of(), errors(parsed));
        Map<String, GeneratedConfig> configs = configs(parsed);
        assertEquals(Boolean.TRUE, configs.get("io.pigeon.broker").properties().get("per.listener.settings"));
        assertFalse(configs.get("io.pigeon.broker").properties().containsKey("allow.anonymous"));
        assertEquals(Boolean.TRUE, configs.get("io.pigeon.listener~1883").properties().get("allow.anonymous"));
        assertEquals(Boolean.TRUE, configs.get("io.pigeon.listener~1883").properties().get("per.listener.settings"));
        assertEquals(List.of(), warnings(parsed), "per_listener_settings is acted on: no warning");
        Map<String, Object> secure = configs.get("io.pigeon.listener~8883").properties();
        assertEquals(Boolean.FALSE, secure.get("allow.anonymous"));
        assertEquals(home.resolve("etc/passwd").toString(), secure.get("password.file"));
        assertTrue(secure.containsKey("password.file.digest"));
        assertFalse(configs.get("io.pigeon.broker").properties().containsKey("password.file.digest"),
                "the digest goes where its file goes");

        ParsedConfig global = parse("allow_anonymous true", "listener 1883", "allow_anonymous false");
        assertEquals(List.of("etc/pigeon.conf:3: allow_anonymous false: already set at etc/pigeon.conf:1. Remove one"
                + " of the two lines."), errors(global));
    }

    @Test
    void namedFilesAreWatchedAndTheirDigestFollowsTheirContent() throws IOException {
        Path passwd = home.resolve("etc/passwd");
        Path acl = home.resolve("etc/acl");
        Files.writeString(passwd, "alice:x\n");
        Files.writeString(acl, "topic read #\n");
        ParsedConfig parsed = parse("password_file passwd", "acl_file acl");
        assertEquals(List.of(), errors(parsed));
        assertTrue(parsed.watched.containsAll(List.of(passwd, acl)), parsed.watched.toString());
        Map<String, Object> before = configs(parsed).get("io.pigeon.broker").properties();
        assertEquals(64, ((String) before.get("password.file.digest")).length(), "SHA-256 in hex");

        Files.writeString(passwd, "alice:y\n");
        Map<String, Object> after = configs(parse("password_file passwd", "acl_file acl")).get("io.pigeon.broker")
                .properties();
        assertNotEquals(before.get("password.file.digest"), after.get("password.file.digest"));
        assertEquals(before.get("acl.file.digest"), after.get("acl.file.digest"), "only the edited file's changes");
    }

    @Test
    void perListenerSettingsMustComeFirst() throws IOException {
        ParsedConfig parsed = parse("allow_anonymous true", "per_listener_settings true");
        assertEquals(List.of("etc/pigeon.conf:2: per_listener_settings true: must come before any other security"
                + " setting (the first is at etc/pigeon.conf:1), as in Mosquitto. Move this line to the top of the"
                + " file."), errors(parsed));
    }

    @Test
    void conflictsAreCheckedAfterParsing() throws IOException {
        Files.writeString(home.resolve("etc/server.crt"), "");
        ParsedConfig parsed = parse("listener 1883", "listener 1883 127.0.0.1", "listener 8883", "certfile server.crt",
                "require_certificate true");
        assertEquals(List.of(
                "etc/pigeon.conf:2: listener 1883 127.0.0.1: port 1883 is already used by the listener at"
                        + " etc/pigeon.conf:1. Use another port or remove one listener.",
                "etc/pigeon.conf:4: certfile " + home.resolve("etc/server.crt") + ": needs keyfile in the same listener"
                        + " section. Add keyfile or remove this line.",
                "etc/pigeon.conf:5: require_certificate true: needs cafile or capath to check client certificates. Add"
                        + " one of them to the listener section."),
                errors(parsed));
    }

    @Test
    void badListenerLine() throws IOException {
        ParsedConfig parsed = parse("listener 0", "listener", "listener 1884 # local", "max_connections 3");
        assertEquals(List.of(
                "etc/pigeon.conf:1: listener 0: the port must be a number from 1 to 65535. Fix the value or remove the"
                        + " line.",
                "etc/pigeon.conf:2: listener: must be PORT [BIND_ADDRESS]; the port must be a number from 1 to 65535."
                        + " Fix the value or remove the line."),
                errors(parsed));
        assertEquals(3, configs(parsed).get("io.pigeon.listener~1884").properties().get("max.connections"));
    }

    @Test
    void bridgesBecomeFactoryConfigurations() throws IOException {
        ParsedConfig parsed = parse("connection cloud", "address broker.example.org:8883 backup.example.org",
                "topic sensors/# out 1 local/ remote/", "topic cmd/# in 2", "remote_username gw1",
                "remote_password s3cret",
                "bridge_protocol_version mqttv50", "keepalive_interval 60", "restart_timeout 5 60",
                "connection other", "address 10.0.0.2", "topic # both 3");
        assertEquals(List.of(
                "etc/pigeon.conf:12: topic # both 3: QoS '3' must be 0, 1 or 2. Fix the value or remove the line.",
                "etc/pigeon.conf:10: connection other: has no topic. Add a line such as `topic # out 1` to the section."),
                errors(parsed));
        Map<String, Object> cloud = configs(parsed).get("io.pigeon.bridge~cloud").properties();
        assertEquals("cloud", cloud.get("name"));
        assertArrayEquals(new String[] {"broker.example.org:8883", "backup.example.org"}, (String[]) cloud.get("address"));
        assertArrayEquals(new String[] {"sensors/# out 1 local/ remote/", "cmd/# in 2"}, (String[]) cloud.get("topic"));
        assertEquals("gw1", cloud.get("remote.username"));
        assertEquals("s3cret", cloud.get(".remote.password"), "private key: not copied into service properties");
        assertFalse(cloud.containsKey("remote.password"));
        assertEquals(60, cloud.get("keepalive.interval"));
        assertEquals("5 60", cloud.get("restart.timeout"));
        assertEquals("etc/pigeon.conf:1", cloud.get("config.source"));
    }

    @Test
    void bridgeTopicLinesFollowMosquittosPrefixRules() throws IOException {
        ParsedConfig parsed = parse("connection cloud", "address 127.0.0.1:1883",
                "topic \"\" out 1 local/exact remote/exact", "topic # in 0 \"\" site1/",
                "topic \"\" both 1 local/only \"\"", "topic a/# out 1 lo+/ remote/", "topic a/#/b out 1",
                "topic a/b+ in", "notification_topic gw/bridge/state", "bridge_max_queued_bytes 1048576",
                "notifications false", "restart_timeout 30 5");
        assertEquals(List.of(
                "etc/pigeon.conf:5: topic \"\" both 1 local/only \"\": an empty pattern \"\" maps the local prefix to"
                        + " the remote prefix, so it needs both, e.g. `topic \"\" out 1 local/topic remote/topic`."
                        + " Fix the value or remove the line.",
                "etc/pigeon.conf:6: topic a/# out 1 lo+/ remote/: prefix 'lo+/' must not contain the wildcards + and #."
                        + " Fix the value or remove the line.",
                "etc/pigeon.conf:7: topic a/#/b out 1: pattern 'a/#/b' is not a topic filter: + and # must stand"
                        + " alone between slashes, and # only at the end. Fix the value or remove the line.",
                "etc/pigeon.conf:8: topic a/b+ in: pattern 'a/b+' is not a topic filter: + and # must stand alone"
                        + " between slashes, and # only at the end. Fix the value or remove the line.",
                "etc/pigeon.conf:12: restart_timeout 30 5: the cap 5 must not be less than the base 30, e.g."
                        + " `restart_timeout 5 30`. Fix the value or remove the line."),
                errors(parsed));
        assertEquals(List.of(), warnings(parsed), "a connection section is no longer only read: no warning");
        Map<String, Object> cloud = configs(parsed).get("io.pigeon.bridge~cloud").properties();
        assertArrayEquals(new String[] {"\"\" out 1 local/exact remote/exact", "# in 0 \"\" site1/"},
                (String[]) cloud.get("topic"));
        assertEquals("gw/bridge/state", cloud.get("notification.topic"));
        assertEquals(1048576L, cloud.get("bridge.max.queued.bytes"));
        assertEquals(Boolean.FALSE, cloud.get("notifications"));
    }

    @Test
    void mosquittosBridgeDirectivesArePassedOnOrWarnedAbout() throws IOException {
        ParsedConfig parsed = parse("connection cloud", "address 127.0.0.1:1883", "topic # out 1",
                "round_robin true", "start_type lazy", "threshold 5", "idle_timeout 30",
                "bridge_attempt_unsubscribe false", "bridge_outgoing_retain false", "notifications_local_only true",
                "bridge_tls_version tlsv1.3", "bridge_bind_address 192.168.1.10", "bridge_max_packet_size 2048",
                "local_clientid gw1-local",
                "local_username bridge", "local_password secret", "local_cleansession true", "bridge_alpn mqtt",
                "bridge_capath /etc/ssl/certs", "bridge_require_ocsp true", "bridge_identity gw", "bridge_psk 00ff",
                "connection other", "address 10.0.0.2", "topic # in", "threshold 3", "idle_timeout 5",
                "local_clientid gw1-local", "start_type manual", "bridge_tls_version tlsv1.1");
        assertEquals(List.of(
                "etc/pigeon.conf:29: start_type manual: must be automatic, lazy or once. Fix the value or remove the"
                        + " line.",
                "etc/pigeon.conf:30: bridge_tls_version tlsv1.1: is turned off in Java, as unsafe. Use tlsv1.2 (which"
                        + " also allows 1.3) or tlsv1.3.",
                "etc/pigeon.conf:28: local_clientid gw1-local: is also the local client id of the bridge at"
                        + " etc/pigeon.conf:14 (the connection name, unless local_clientid is set); the two would"
                        + " share one queue file. Give each bridge its own local_clientid."),
                errors(parsed));
        assertEquals(List.of(
                "etc/pigeon.conf:15: local_username bridge: not supported by Pigeon. Pigeon's bridges publish and"
                        + " subscribe inside the broker without logging in, and ACLs do not apply to them (Mosquitto"
                        + " 2.0 skips ACL checks for bridges too).",
                "etc/pigeon.conf:16: local_password secret: not supported by Pigeon. Pigeon's bridges publish and"
                        + " subscribe inside the broker without logging in, and ACLs do not apply to them (Mosquitto"
                        + " 2.0 skips ACL checks for bridges too).",
                "etc/pigeon.conf:17: local_cleansession true: not supported by Pigeon. Pigeon keeps the bridge's"
                        + " outgoing QoS 1/2 messages on disk while the upstream is away whatever cleansession says, as"
                        + " Mosquitto does with local_cleansession false.",
                "etc/pigeon.conf:18: bridge_alpn mqtt: not supported by Pigeon. Pigeon's bridges offer no ALPN"
                        + " protocol; use an upstream port that speaks MQTT without it.",
                "etc/pigeon.conf:19: bridge_capath /etc/ssl/certs: not supported by Pigeon. Pigeon reads CA"
                        + " certificates from one file; put them into one PEM file (cat DIR/*.crt > ca.pem) and give"
                        + " it as bridge_cafile.",
                "etc/pigeon.conf:20: bridge_require_ocsp true: not supported by Pigeon. Pigeon's bridges check the"
                        + " upstream's certificate against bridge_cafile without asking for OCSP stapling.",
                "etc/pigeon.conf:21: bridge_identity gw: not supported by Pigeon. Pigeon does not support TLS-PSK;"
                        + " use certificates (bridge_cafile, bridge_certfile, bridge_keyfile).",
                "etc/pigeon.conf:22: bridge_psk 00ff: not supported by Pigeon. Pigeon does not support TLS-PSK; use"
                        + " certificates (bridge_cafile, bridge_certfile, bridge_keyfile).",
                "etc/pigeon.conf:26: threshold 3: has an effect only with `start_type lazy`, which connection other"
                        + " does not have; Pigeon ignores it.",
                "etc/pigeon.conf:27: idle_timeout 5: has an effect only with `start_type lazy`, which connection"
                        + " other does not have; Pigeon ignores it."), warnings(parsed));
        Map<String, Object> cloud = configs(parsed).get("io.pigeon.bridge~cloud").properties();
        assertEquals(Boolean.TRUE, cloud.get("round.robin"));
        assertEquals("lazy", cloud.get("start.type"));
        assertEquals(5, cloud.get("threshold"));
        assertEquals(30, cloud.get("idle.timeout"));
        assertEquals(Boolean.FALSE, cloud.get("bridge.attempt.unsubscribe"));
        assertEquals(Boolean.FALSE, cloud.get("bridge.outgoing.retain"));
        assertEquals(Boolean.TRUE, cloud.get("notifications.local.only"));
        assertEquals("tlsv1.3", cloud.get("bridge.tls.version"));
        assertEquals("192.168.1.10", cloud.get("bridge.bind.address"));
        assertEquals(2048, cloud.get("bridge.max.packet.size"));
        assertEquals("gw1-local", cloud.get("local.clientid"));
        assertFalse(cloud.containsKey("local.username"), "a directive Pigeon does not have is not passed on");
    }

    @Test
    void loggingDirectives() throws IOException {
        Files.createDirectories(home.resolve("logs"));
        ParsedConfig parsed = parse("log_level info", "log_level io.netty warning", "log_dest stdout",
                "log_dest file ../logs/gw.log", "log_timestamp true", "log_type all", "log_level io.netty debug",
                "log_level verbose");
        assertEquals(List.of(
                "etc/pigeon.conf:7: log_level io.netty debug: logger io.netty already has a level at"
                        + " etc/pigeon.conf:2. Remove one of the two lines.",
                "etc/pigeon.conf:8: log_level verbose: level 'verbose' must be error, warning, info, debug or trace."
                        + " Fix the value or remove the line."),
                errors(parsed));
        assertEquals(List.of("etc/pigeon.conf:6: log_type all: ignored because log_level is set at"
                + " etc/pigeon.conf:1; remove one of them."), warnings(parsed));
        Map<String, Object> logging = configs(parsed).get("io.pigeon.logging").properties();
        assertEquals("info", logging.get("log.level"));
        assertArrayEquals(new String[] {"io.netty=warning"}, (String[]) logging.get("log.levels"));
        assertArrayEquals(new String[] {"stdout", "file"}, (String[]) logging.get("log.dest"));
        assertEquals(home.resolve("logs/gw.log").toString(), logging.get("log.file"));
        assertEquals(Boolean.TRUE, logging.get("log.timestamp"));
    }

    @Test
    void logTypesMapToALevel() throws IOException {
        assertEquals("warning", configs(parse("log_type error", "log_type warning")).get("io.pigeon.logging")
                .properties().get("log.level"));
        assertEquals("info", configs(parse("log_type error", "log_type information")).get("io.pigeon.logging")
                .properties().get("log.level"));
        assertEquals("debug", configs(parse("log_type all")).get("io.pigeon.logging").properties().get("log.level"));
    }

    @Test
    void portCreatesTheDefaultListenerNextToExplicitOnes() throws IOException {
        ParsedConfig parsed = parse("port 1884", "listener 8883");
        assertEquals(List.of(), errors(parsed));
        Map<String, GeneratedConfig> configs = configs(parsed);
        assertEquals(1884, configs.get("io.pigeon.listener~1884").properties().get("port"));
        assertTrue(configs.containsKey("io.pigeon.listener~8883"));
        assertFalse(configs.containsKey("io.pigeon.listener~1883"));
    }

    @Test
    void includeDirOrderIgnoresCaseFirst() {
        List<String> names = new java.util.ArrayList<>(List.of("b.conf", "B.conf", "a.conf", "ab.conf", "A.conf"));
        names.sort(ConfParser::mosquittoOrder);
        assertEquals(List.of("A.conf", "a.conf", "ab.conf", "B.conf", "b.conf"), names);
    }

    @Test
    void unchangedSettingsAreNotRewritten() {
        java.util.Hashtable<String, Object> stored = new java.util.Hashtable<>(Map.of("service.pid", "x", "a", 1,
                "b", new String[] {"x"}, "config.source", "etc/pigeon.conf:3"));
        assertTrue(ConfigWriter.sameSettings(stored, Map.of("a", 1, "b", new String[] {"x"}, "config.source",
                "etc/pigeon.conf:4")));
        assertFalse(ConfigWriter.sameSettings(stored, Map.of("a", 2, "b", new String[] {"x"})));
        assertFalse(ConfigWriter.sameSettings(stored, Map.of("a", 1)));
    }
}
