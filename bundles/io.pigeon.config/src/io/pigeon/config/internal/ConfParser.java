package io.pigeon.config.internal;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.pigeon.config.ConfigProblem;
import io.pigeon.config.ConfigProblem.Severity;
import io.pigeon.config.internal.Directive.Scope;
import io.pigeon.config.internal.Directive.Support;

/**
 * Reads a mosquitto.conf-syntax file (and its include_dir files) into a {@link ParsedConfig}, collecting every error
 * and warning with its file and line instead of stopping at the first. Plain Java: no OSGi, no Netty.
 * <p>
 * Mosquitto's rules: '#' starts a comment line; {@code directive value...}; global directives apply wherever they
 * are; listener directives apply to the last {@code listener} line (before any: to every listener, see
 * {@link ParsedConfig#listenerDefaults}); security directives are global unless {@code per_listener_settings true};
 * bridge directives apply to the last {@code connection} line; {@code include_dir} is read only in the main file and
 * reads the directory's *.conf files in Mosquitto's order. Conflicts are checked after the whole file is read.
 * <p>
 * One instance parses one file set; runs on the caller's thread.
 */
final class ConfParser {

    private static final String FIX = " Fix the value or remove the line.";

    /** Reads a file's lines; {@link ConfEditor} passes the lines of a file it is about to write. */
    @FunctionalInterface
    interface LineSource {
        List<String> lines(Path file) throws IOException;
    }

    private final Function<Path, String> display;
    private final LineSource source;
    private final ParsedConfig result = new ParsedConfig();
    private Path baseDir;
    /** The main file's include_dir line being read, for {@link ParsedConfig#files}. */
    private int includeLine;
    private ParsedConfig.Listener currentListener;
    private ParsedConfig.Bridge currentBridge;
    private String firstSecuritySource;
    private String perListenerSource;
    private final List<String[]> logTypes = new ArrayList<>();
    private final Map<String, String> globalListenerWarned = new LinkedHashMap<>();
    private final Map<String, String> loggerLevelSources = new LinkedHashMap<>();

    /** @param display how a path is shown in messages, e.g. relative to pigeon.home */
    private ConfParser(Function<Path, String> display, LineSource source) {
        this.display = display;
        this.source = source;
    }

    /**
     * Parses {@code main}; a null or absent file gives the embedded defaults (no settings).
     *
     * @param display how a path is shown in messages
     */
    static ParsedConfig parse(Path main, Function<Path, String> display) {
        return parse(main, display, file -> Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses {@code main} with the lines {@code source} gives for each file (the include_dir listings still come from
     * the disk).
     */
    static ParsedConfig parse(Path main, Function<Path, String> display, LineSource source) {
        ConfParser parser = new ConfParser(display, source);
        if (main != null) {
            Path file = main.toAbsolutePath().normalize();
            parser.result.watched.add(file);
            if (Files.exists(file)) {
                parser.baseDir = file.getParent();
                parser.result.mainSource = display.apply(file);
                parser.readFile(file, 0);
                parser.checkConflicts();
            }
        }
        return parser.result;
    }

    static ParsedConfig parse(Path main) {
        return parse(main, Path::toString);
    }

    private void readFile(Path file, int level) {
        String name = display.apply(file);
        result.files.add(new ParsedConfig.FileRead(file, level == 0 ? 0 : includeLine));
        List<String> lines;
        try {
            lines = source.lines(file);
        } catch (CharacterCodingException e) {
            problem(Severity.ERROR, name, 0, "", "", "is not UTF-8 text. Save it as UTF-8.");
            return;
        } catch (IOException e) {
            problem(Severity.ERROR, name, 0, "", "", "cannot be read (" + e + "). Check that the file exists and that"
                    + " the gateway's user may read it.");
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = indexOfWhitespace(line);
            String word = space < 0 ? line : line.substring(0, space);
            String value = space < 0 ? "" : line.substring(space).strip();
            readLine(new Place(file, name, i + 1, level), word, value);
        }
    }

    private record Place(Path file, String name, int line, int level) {
        String source() {
            return name + ":" + line;
        }
    }

    private void readLine(Place at, String word, String value) {
        Optional<Directive> found = Directives.find(word);
        if (found.isEmpty()) {
            if (word.startsWith("auth_opt_") || word.startsWith("plugin_opt_")) {
                warn(at, word, value, "Pigeon has no C plugins, so plugin options are ignored.");
            } else {
                error(at, word, value, "unknown directive." + suggestion(word)
                        + " Check the spelling or remove the line.");
            }
            return;
        }
        Directive directive = found.get();
        if (directive.support() == Support.UNSUPPORTED) {
            warn(at, word, value, "not supported by Pigeon. " + directive.instead());
            return;
        }
        switch (word) {
            case "listener" -> listener(at, value);
            case "connection" -> connection(at, value);
            case "include_dir" -> {
                place(at, word, null, null);
                includeDir(at, value);
            }
            case "per_listener_settings" -> perListenerSettings(at, directive, value);
            case "log_dest" -> logDest(at, value);
            case "log_type" -> logType(at, value);
            case "log_level" -> logLevel(at, value);
            default -> setting(at, directive, value);
        }
    }

    private void setting(Place at, Directive directive, String value) {
        String word = directive.name();
        Object parsed;
        try {
            parsed = directive.type().parse(value, baseDir);
        } catch (BadValue e) {
            error(at, word, value, e.getMessage());
            return;
        }
        Section target = target(at, directive, value);
        if (target == null) {
            return;
        }
        place(at, word, target, directive.key());
        if (directive.scope() == Scope.SECURITY && firstSecuritySource == null) {
            firstSecuritySource = at.source();
        }
        if (directive.support() == Support.PENDING && directive.scope() != Scope.BRIDGE) {
            warn(at, word, value, "read and checked, but this Pigeon version does not act on it yet.");
        }
        if (word.equals("port")) {
            warn(at, word, value, "deprecated in Mosquitto 2.0; Pigeon opens a listener on this port. Write `listener "
                    + parsed + "` instead.");
        }
        if (directive.repeatable()) {
            target.add(directive.key(), String.valueOf(parsed), at.source());
            return;
        }
        String earlier = target.set(directive.key(), parsed, at.source());
        if (earlier != null) {
            error(at, word, value, "already set at " + earlier + ". Remove one of the two lines.");
        } else if (directive.type() == ValueType.EXISTING_FILE) {
            watchFile(at, directive, value, target, Path.of((String) parsed));
        }
    }

    /**
     * Watches a file a directive names (password_file, acl_file, ...) and puts the digest of its content next to the
     * setting ({@link GeneratedConfig#DIGEST_SUFFIX}). An edit of the file then changes the configuration, so the
     * component that reads the file gets {@code @Modified} and reads it again: the path alone would not change, and
     * {@link ConfigWriter} leaves an unchanged configuration alone.
     */
    private void watchFile(Place at, Directive directive, String value, Section target, Path file) {
        result.watched.add(file);
        try {
            target.set(directive.key() + GeneratedConfig.DIGEST_SUFFIX, digest(file), at.source());
        } catch (IOException e) {
            error(at, directive.name(), value, "file " + file + " cannot be read (" + e + "). Give the gateway's user"
                    + " read access.");
        }
    }

    static String digest(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** The section a directive's value goes to, or null after reporting why it cannot be placed. */
    private Section target(Place at, Directive directive, String value) {
        switch (directive.scope()) {
            case GLOBAL:
                return result.broker;
            case LOGGING:
                return result.logging;
            case SECURITY:
                if (!result.perListenerSettings) {
                    return result.broker;
                }
                return currentListener != null ? currentListener.settings() : result.listenerDefaults;
            case LISTENER:
                if (currentListener != null) {
                    return currentListener.settings();
                }
                if (directive.name().equals("mount_point")) {
                    error(at, directive.name(), value, "must follow a listener line, as in Mosquitto. Add `listener"
                            + " 1883` (or your port) above it.");
                    return null;
                }
                globalListenerWarned.putIfAbsent(directive.name(), at.source() + "\u0000" + value);
                return result.listenerDefaults;
            case BRIDGE:
                if (currentBridge == null) {
                    error(at, directive.name(), value, "is a bridge setting and must follow a `connection NAME` line."
                            + " Move it into a connection section or remove it.");
                    return null;
                }
                return currentBridge.settings();
            default:
                throw new IllegalStateException("no target for " + directive);
        }
    }

    private void listener(Place at, String value) {
        String[] tokens = ValueType.tokens(value);
        int count = tokens.length;
        for (int i = 1; i < tokens.length; i++) {
            if (tokens[i].startsWith("#")) {
                count = i;
                break;
            }
        }
        int port = -1;
        if (count >= 1) {
            try {
                port = Integer.parseInt(tokens[0]);
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (count == 0 || count > 2 || port < 1 || port > 65535) {
            error(at, "listener", value, (count == 0 || count > 2 ? "must be PORT [BIND_ADDRESS]; "
                    : "") + "the port must be a number from 1 to 65535." + FIX);
            // Later listener directives must not land on the previous listener.
            currentListener = new ParsedConfig.Listener(0, null, at.source(), new Section());
            place(at, "listener", currentListener.settings(), null);
            return;
        }
        currentListener = new ParsedConfig.Listener(port, count == 2 ? tokens[1] : null, at.source(), new Section());
        result.listeners.add(currentListener);
        place(at, "listener", currentListener.settings(), null);
    }

    private void connection(Place at, String value) {
        String[] tokens = ValueType.tokens(value);
        if (tokens.length != 1 || !tokens[0].matches("[A-Za-z0-9._-]+")) {
            error(at, "connection", value, "needs one name of letters, digits, '.', '_' or '-', e.g. `connection"
                    + " cloud`." + FIX);
            currentBridge = new ParsedConfig.Bridge("", at.source(), new Section());
            place(at, "connection", currentBridge.settings(), null);
            return;
        }
        currentBridge = new ParsedConfig.Bridge(tokens[0], at.source(), new Section());
        result.bridges.add(currentBridge);
        place(at, "connection", currentBridge.settings(), null);
    }

    private void includeDir(Place at, String value) {
        if (at.level() > 0) {
            warn(at, "include_dir", value, "is only read in the main file, as in Mosquitto; this line is ignored. Move"
                    + " it to the main file.");
            return;
        }
        Path dir;
        try {
            dir = ValueType.resolve(value, baseDir);
        } catch (BadValue e) {
            error(at, "include_dir", value, e.getMessage());
            return;
        }
        if (!Files.isDirectory(dir)) {
            error(at, "include_dir", value, "directory " + dir + " not found. Create it or fix the path.");
            return;
        }
        result.watched.add(dir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                if (fileName.length() > 5 && fileName.endsWith(".conf") && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        } catch (IOException e) {
            error(at, "include_dir", value, "directory " + dir + " cannot be read (" + e + "). Give the gateway's user"
                    + " read access.");
            return;
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString(), ConfParser::mosquittoOrder));
        includeLine = at.line();
        for (Path file : files) {
            readFile(file, at.level() + 1);
        }
    }

    /** Mosquitto's include_dir order: alphabetical ignoring case, then upper case before lower case. */
    static int mosquittoOrder(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            int result = Character.toUpperCase(x) - Character.toUpperCase(y);
            if (result == 0) {
                result = x - y;
            }
            if (result != 0) {
                return result;
            }
        }
        return a.length() - b.length();
    }

    private void perListenerSettings(Place at, Directive directive, String value) {
        place(at, directive.name(), result.broker, directive.key());
        Boolean on;
        try {
            on = (Boolean) directive.type().parse(value, baseDir);
        } catch (BadValue e) {
            error(at, directive.name(), value, e.getMessage());
            return;
        }
        if (perListenerSource != null) {
            error(at, directive.name(), value, "already set at " + perListenerSource + ". Remove one of the two lines.");
            return;
        }
        if (on && firstSecuritySource != null) {
            error(at, directive.name(), value, "must come before any other security setting (the first is at "
                    + firstSecuritySource + "), as in Mosquitto. Move this line to the top of the file.");
            return;
        }
        perListenerSource = at.source();
        result.perListenerSettings = on;
        result.broker.set(directive.key(), on, at.source());
    }

    private void logDest(Place at, String value) {
        place(at, "log_dest", result.logging, "log.dest");
        String[] tokens = ValueType.tokens(value);
        String kind = tokens.length == 0 ? "" : tokens[0];
        switch (kind) {
            case "stdout" -> result.logging.add("log.dest", "stdout", at.source());
            case "stderr" -> {
                warn(at, "log_dest", value, "Pigeon logs to stdout instead of stderr.");
                result.logging.add("log.dest", "stdout", at.source());
            }
            case "file" -> {
                String rest = value.substring(4).strip();
                Path file;
                try {
                    file = ValueType.resolve(rest, baseDir);
                } catch (BadValue e) {
                    error(at, "log_dest", value, "needs a path: `log_dest file PATH`." + FIX);
                    return;
                }
                if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
                    error(at, "log_dest", value, "directory " + file.getParent() + " not found. Create it or fix the"
                            + " path.");
                    return;
                }
                String earlier = result.logging.set("log.file", file.toString(), at.source());
                if (earlier != null) {
                    error(at, "log_dest", value, "a log file is already set at " + earlier + ". Pigeon writes one log"
                            + " file; remove one of the two lines.");
                    return;
                }
                result.logging.add("log.dest", "file", at.source());
            }
            case "syslog", "topic", "dlt" -> warn(at, "log_dest", value, "Pigeon does not log to " + kind
                    + "; it logs to stdout (collected by journald under systemd) and to logs/pigeon.log.");
            case "none" -> warn(at, "log_dest", value, "Pigeon always logs to at least stdout; use `log_level error`"
                    + " to log only errors.");
            default -> error(at, "log_dest", value, "must be stdout, stderr, file PATH, syslog, topic, dlt or none."
                    + FIX);
        }
    }

    private void logType(Place at, String value) {
        place(at, "log_type", result.logging, "log.type");
        String type;
        try {
            type = ValueType.single(value);
        } catch (BadValue e) {
            error(at, "log_type", value, e.getMessage());
            return;
        }
        switch (type) {
            case "debug", "error", "warning", "notice", "information", "all", "none" ->
                logTypes.add(new String[] {type, at.source()});
            case "subscribe", "unsubscribe", "websockets", "internal" -> warn(at, "log_type", value,
                    "Pigeon has no log type " + type + "; it logs such events at debug level. Use `log_level"
                            + " io.pigeon.broker debug` to see them.");
            default -> error(at, "log_type", value, "must be debug, error, warning, notice, information, subscribe,"
                    + " unsubscribe, websockets, none or all." + FIX);
        }
    }

    private void logLevel(Place at, String value) {
        String[] tokens = ValueType.tokens(value);
        place(at, "log_level", result.logging, tokens.length == 2 ? "log.levels" : "log.level");
        try {
            if (tokens.length == 1) {
                String level = ValueType.level(tokens[0]);
                String earlier = result.logging.set("log.level", level, at.source());
                if (earlier != null) {
                    error(at, "log_level", value, "already set at " + earlier + ". Remove one of the two lines.");
                }
            } else if (tokens.length == 2) {
                String level = ValueType.level(tokens[1]);
                String earlier = loggerLevelSources.putIfAbsent(tokens[0], at.source());
                if (earlier != null) {
                    error(at, "log_level", value, "logger " + tokens[0] + " already has a level at " + earlier
                            + ". Remove one of the two lines.");
                    return;
                }
                result.logging.add("log.levels", tokens[0] + "=" + level, at.source());
            } else {
                error(at, "log_level", value, "must be LEVEL or LOGGER LEVEL, e.g. `log_level debug` or `log_level"
                        + " io.netty warning`." + FIX);
            }
        } catch (BadValue e) {
            error(at, "log_level", value, e.getMessage());
        }
    }

    /** Checks that need the whole file, as Mosquitto's config__check does. */
    private void checkConflicts() {
        mapLogTypes();
        if (!result.listeners.isEmpty()) {
            for (Map.Entry<String, String> e : globalListenerWarned.entrySet()) {
                if (e.getKey().equals("port") || e.getKey().equals("bind_address")) {
                    continue;
                }
                String[] sourceAndValue = e.getValue().split("\u0000", 2);
                problem(Severity.WARNING, fileOf(sourceAndValue[0]), lineOf(sourceAndValue[0]), e.getKey(),
                        sourceAndValue[1], "comes before the first listener line. Mosquitto applies it to an extra"
                                + " default listener on port 1883; Pigeon applies it to every listener and opens no"
                                + " extra port. Move it into the listener sections to make that explicit.");
            }
        }
        Map<String, ParsedConfig.Listener> ports = new LinkedHashMap<>();
        for (ParsedConfig.Listener listener : result.listeners) {
            for (ParsedConfig.Listener other : ports.values()) {
                boolean overlap = other.port() == listener.port() && (other.bindAddress() == null
                        || listener.bindAddress() == null || other.bindAddress().equals(listener.bindAddress()));
                if (overlap) {
                    conflict(listener.source(), "listener", listener.port() + (listener.bindAddress() == null ? ""
                            : " " + listener.bindAddress()), "port " + listener.port() + " is already used by the"
                                    + " listener at " + other.source() + ". Use another port or remove one listener.");
                    break;
                }
            }
            ports.put(listener.source(), listener);
            checkTls(listener.settings());
        }
        checkTls(result.listenerDefaults);
        checkBridges();
    }

    private void mapLogTypes() {
        if (logTypes.isEmpty()) {
            return;
        }
        if (result.logging.has("log.level")) {
            for (String[] type : logTypes) {
                problem(Severity.WARNING, fileOf(type[1]), lineOf(type[1]), "log_type", type[0], "ignored because"
                        + " log_level is set at " + result.logging.get("log.level").source + "; remove one of them.");
            }
            return;
        }
        int finest = -1;
        String source = logTypes.get(0)[1];
        for (String[] type : logTypes) {
            int rank = switch (type[0]) {
                case "none", "error" -> 0;
                case "warning" -> 1;
                case "notice", "information" -> 2;
                default -> 3;
            };
            if (type[0].equals("none")) {
                problem(Severity.WARNING, fileOf(type[1]), lineOf(type[1]), "log_type", "none", "Pigeon always logs"
                        + " errors; it logs at error level.");
            }
            finest = Math.max(finest, rank);
        }
        result.logging.set("log.level", ValueType.LEVELS.get(finest), source);
    }

    /**
     * A listener's TLS directives together, and the files they name read (see {@link TlsFiles}), so a wrong file is
     * an error at its line. Settings before the first listener line count for every listener, so they are checked
     * as one set as well.
     */
    private void checkTls(Section settings) {
        Section.Setting cert = settings.get("certfile");
        Section.Setting key = settings.get("keyfile");
        if ((cert == null) != (key == null)) {
            Section.Setting given = cert != null ? cert : key;
            String missing = cert != null ? "keyfile" : "certfile";
            conflict(given.source, cert != null ? "certfile" : "keyfile", String.valueOf(given.value),
                    "needs " + missing + " in the same listener section. Add " + missing + " or remove this line.");
        }
        Section.Setting require = settings.get("require.certificate");
        boolean required = require != null && Boolean.TRUE.equals(require.value);
        if (required && !settings.has("cafile") && !settings.has("capath")) {
            conflict(require.source, "require_certificate", "true", "needs cafile or capath to check client"
                    + " certificates. Add one of them to the listener section.");
        }
        for (String name : List.of("use_identity_as_username", "use_subject_as_username")) {
            Section.Setting identity = settings.get(Directive.keyOf(name));
            if (identity != null && Boolean.TRUE.equals(identity.value) && !required) {
                conflict(identity.source, name, "true", "needs `require_certificate true` in the same listener"
                        + " section, or clients send no certificate to take the user name from. Add it.");
            }
        }
        Section.Setting identity = settings.get("use.identity.as.username");
        Section.Setting subject = settings.get("use.subject.as.username");
        if (identity != null && subject != null && Boolean.TRUE.equals(identity.value)
                && Boolean.TRUE.equals(subject.value)) {
            conflict(subject.source, "use_subject_as_username", "true", "cannot be combined with"
                    + " use_identity_as_username at " + identity.source + "; keep one of the two.");
        }
        if (cert == null) {
            for (String name : List.of("cafile", "capath", "crlfile", "ciphers", "ciphers_tls1.3", "tls_version",
                    "require_certificate")) {
                Section.Setting alone = settings.get(Directive.keyOf(name));
                if (alone != null && key == null && !Boolean.FALSE.equals(alone.value)) {
                    conflict(alone.source, name, String.valueOf(alone.value), "only applies to a TLS listener: add"
                            + " certfile and keyfile to this listener section, or remove the line.");
                }
            }
            return;
        }
        if (key == null) {
            return;
        }
        fileProblem(cert, "certfile", TlsFiles.checkCertificate(Path.of((String) cert.value)));
        if (TlsFiles.checkCertificate(Path.of((String) cert.value)) == null) {
            fileProblem(key, "keyfile", TlsFiles.checkKey(Path.of((String) key.value), Path.of((String) cert.value)));
        }
        Section.Setting ca = settings.get("cafile");
        if (ca != null) {
            fileProblem(ca, "cafile", TlsFiles.checkCaFile(Path.of((String) ca.value)));
        }
        Section.Setting crl = settings.get("crlfile");
        if (crl != null) {
            fileProblem(crl, "crlfile", TlsFiles.checkCrl(Path.of((String) crl.value)));
            if (!required) {
                conflict(crl.source, "crlfile", String.valueOf(crl.value), "needs `require_certificate true`:"
                        + " without client certificates there is nothing to revoke. Add it or remove the line.");
            }
        }
    }

    private void fileProblem(Section.Setting setting, String directive, String problem) {
        if (problem != null) {
            conflict(setting.source, directive, String.valueOf(setting.value), problem);
        }
    }

    private void checkBridges() {
        Map<String, ParsedConfig.Bridge> names = new LinkedHashMap<>();
        Map<String, String> clientIds = new LinkedHashMap<>();
        Map<String, String> queues = new LinkedHashMap<>();
        for (ParsedConfig.Bridge bridge : result.bridges) {
            ParsedConfig.Bridge other = names.putIfAbsent(bridge.name(), bridge);
            if (other != null) {
                conflict(bridge.source(), "connection", bridge.name(), "the name is already used at "
                        + other.source() + ". Give each connection its own name.");
                continue;
            }
            if (!bridge.settings().has("address")) {
                conflict(bridge.source(), "connection", bridge.name(), "has no address. Add `address host[:port]` to"
                        + " the section.");
            }
            if (!bridge.settings().has("topic")) {
                conflict(bridge.source(), "connection", bridge.name(), "has no topic. Add a line such as `topic # out"
                        + " 1` to the section.");
            }
            Section.Setting clientId = bridge.settings().get("remote.clientid");
            if (clientId != null) {
                String earlier = clientIds.putIfAbsent(String.valueOf(clientId.value), clientId.source);
                if (earlier != null) {
                    conflict(clientId.source, "remote_clientid", String.valueOf(clientId.value), "is also used at "
                            + earlier + "; the two bridges would disconnect each other. Give each its own client id.");
                }
            }
            // The local client id names the bridge's queue file (the connection name when it is not set).
            Section.Setting localId = bridge.settings().get("local.clientid");
            String queue = localId == null ? bridge.name() : String.valueOf(localId.value);
            String queueSource = localId == null ? bridge.source() : localId.source;
            String earlierQueue = queues.putIfAbsent(queue, queueSource);
            if (earlierQueue != null) {
                conflict(queueSource, localId == null ? "connection" : "local_clientid", queue, "is also the local"
                        + " client id of the bridge at " + earlierQueue + " (the connection name, unless local_clientid"
                        + " is set); the two would share one queue file. Give each bridge its own local_clientid.");
            }
            Section.Setting startType = bridge.settings().get("start.type");
            if (startType == null || !"lazy".equals(startType.value)) {
                for (String lazyOnly : new String[] {"threshold", "idle_timeout"}) {
                    Section.Setting s = bridge.settings().get(Directive.keyOf(lazyOnly));
                    if (s != null) {
                        problem(Severity.WARNING, fileOf(s.source), lineOf(s.source), lazyOnly, String.valueOf(s.value),
                                "has an effect only with `start_type lazy`, which connection " + bridge.name()
                                        + " does not have; Pigeon ignores it.");
                    }
                }
            }
        }
    }

    private void conflict(String source, String directive, String value, String message) {
        problem(Severity.ERROR, fileOf(source), lineOf(source), directive, value, message);
    }

    private static String fileOf(String source) {
        return source.substring(0, source.lastIndexOf(':'));
    }

    private static int lineOf(String source) {
        return Integer.parseInt(source.substring(source.lastIndexOf(':') + 1));
    }

    private void place(Place at, String word, Section section, String key) {
        result.placements.add(new ParsedConfig.Placement(at.file(), at.line(), word, section, key));
    }

    private void error(Place at, String directive, String value, String message) {
        problem(Severity.ERROR, at.name(), at.line(), directive, value, message);
    }

    private void warn(Place at, String directive, String value, String message) {
        problem(Severity.WARNING, at.name(), at.line(), directive, value, message);
    }

    private void problem(Severity severity, String file, int line, String directive, String value, String message) {
        result.problems.add(new ConfigProblem(severity, file, line, directive, value, message));
    }

    private static int indexOfWhitespace(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (Character.isWhitespace(line.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** " Did you mean max_qos?" for a near miss, else "". */
    private static String suggestion(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = 3;
        for (String name : Directives.all().keySet()) {
            int distance = distance(lower, name);
            if (distance < bestDistance) {
                best = name;
                bestDistance = distance;
            }
        }
        return best == null ? "" : " Did you mean " + best + "?";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
