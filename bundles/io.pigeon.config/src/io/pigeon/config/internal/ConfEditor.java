package io.pigeon.config.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.pigeon.config.ConfigEditException;
import io.pigeon.config.ConfigEditException.Reason;
import io.pigeon.config.ConfigProblem;
import io.pigeon.config.ConfigProblem.Severity;
import io.pigeon.config.internal.Directive.Scope;
import io.pigeon.config.internal.Directive.Support;

/**
 * Changes etc/pigeon.conf and its include_dir files line by line, for {@link io.pigeon.config.ConfigurationFile}'s
 * update, add and remove. An instance holds the files as read at one moment, parsed by {@link ConfParser}, whose
 * placements say which line set which key of which section. A change is planned on those lines (rewrite one, remove
 * one, insert one next to another), the result is parsed again as the new text, and it is handed back as new file
 * contents only when the parser finds no error; {@link #write} then replaces each changed file atomically.
 * <p>
 * Where a new line goes: at the end of its section, that is after the section's last directive (for broker-wide
 * and logging settings: the part of the main file before the first {@code listener} or {@code connection} line), or
 * right after the commented-out default of the same directive in that part ({@code #max_qos 2}), as a person
 * following "uncomment a line to change it" would put it. A line is never put after an include_dir line (it would
 * come after the included files), but before it. New sections go at the end of the main file.
 * <p>
 * Plain Java, no OSGi; one instance is used by one thread (the caller holds the configuration component's lock).
 */
final class ConfEditor {

    /** Keys io.pigeon.config adds itself, and which the forms send back unchanged: never lines of the file. */
    private static final Set<String> NOT_SETTINGS = Set.of(GeneratedConfig.GENERATED, GeneratedConfig.SOURCE,
            GeneratedConfig.SOURCES, "service.pid", "service.factoryPid", "service.bundleLocation");
    private static final Object UNPARSEABLE = new Object();
    private static final String NOT_CHANGED = " The file was not changed.";

    /** One line of a file: its text without the line end, and the line end ("\n", "\r\n", "\r", or "" at the end). */
    static final class Line {
        final Text file;
        String text;
        String eol;
        /** The configuration key this change wrote the line for; null for a line it did not write. */
        String key;
        boolean deleted;
        /** The 1-based line number in the new text, once {@link Text#rebuild} ran. */
        int number;
        final List<Line> before = new ArrayList<>();
        final List<Line> after = new ArrayList<>();

        Line(Text file, String text, String eol) {
            this.file = file;
            this.text = text;
            this.eol = eol;
        }

        boolean isComment() {
            return text.strip().startsWith("#");
        }

        boolean isDirective() {
            return !text.isBlank() && !isComment();
        }

        /** For a comment {@code #word ...} (no space after '#': a commented-out directive), the word; else null. */
        String commentedWord() {
            String s = text.strip();
            if (!s.startsWith("#") || s.length() < 2 || Character.isWhitespace(s.charAt(1))) {
                return null;
            }
            return Parts.of(s.substring(1)).word;
        }

        String word() {
            return Parts.of(text).word;
        }

        String value() {
            return Parts.of(text).rest.strip();
        }
    }

    /** A line cut into its indentation, directive, the space after it, and the rest (value and comment). */
    record Parts(String indent, String word, String sep, String rest) {
        static Parts of(String text) {
            int n = text.length();
            int i = 0;
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int j = i;
            while (j < n && !Character.isWhitespace(text.charAt(j))) {
                j++;
            }
            int k = j;
            while (k < n && Character.isWhitespace(text.charAt(k))) {
                k++;
            }
            return new Parts(text.substring(0, i), text.substring(i, j), text.substring(j, k), text.substring(k));
        }
    }

    /** A file as read, and the lines this change appends to it. */
    static final class Text {
        final Path path;
        final boolean existed;
        final byte[] bytes;
        final String original;
        final List<Line> lines = new ArrayList<>();
        final List<Line> appended = new ArrayList<>();
        /** The line end new lines get: the file's first one, else "\n". */
        final String eol;
        private List<Line> emitted = List.of();

        Text(Path path, boolean existed, byte[] bytes, String content) {
            this.path = path;
            this.existed = existed;
            this.bytes = bytes;
            this.original = content;
            int start = 0;
            String firstEol = null;
            for (int i = 0; i < content.length(); i++) {
                char c = content.charAt(i);
                if (c == '\n' || c == '\r') {
                    String end = c == '\r' && i + 1 < content.length() && content.charAt(i + 1) == '\n' ? "\r\n"
                            : String.valueOf(c);
                    lines.add(new Line(this, content.substring(start, i), end));
                    firstEol = firstEol == null ? end : firstEol;
                    i += end.length() - 1;
                    start = i + 1;
                }
            }
            if (start < content.length()) {
                lines.add(new Line(this, content.substring(start), ""));
            }
            this.eol = firstEol == null ? "\n" : firstEol;
        }

        /** The lines as the parser reads them (BufferedReader's rules: \n, \r and \r\n end a line). */
        List<String> strings() {
            return lines.stream().map(l -> l.text).toList();
        }

        /** Lays out the new text: inserted lines around their anchors, deleted lines left out; numbers the lines. */
        String rebuild() {
            List<Line> out = new ArrayList<>();
            List<Line> all = new ArrayList<>(lines);
            all.addAll(appended);
            for (Line line : all) {
                out.addAll(line.before);
                if (!line.deleted) {
                    out.add(line);
                }
                out.addAll(line.after);
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < out.size(); i++) {
                Line line = out.get(i);
                line.number = i + 1;
                if (line.eol.isEmpty() && i < out.size() - 1) {
                    line.eol = eol; // the old last line had no line end and is no longer last
                }
                text.append(line.text).append(line.eol);
            }
            emitted = out;
            return text.toString();
        }

        Line at(int number) {
            return number >= 1 && number <= emitted.size() ? emitted.get(number - 1) : null;
        }
    }

    /** Where an inserted line goes. */
    private record Anchor(Line line, boolean after, Text end) {
        static Anchor after(Line line) {
            return new Anchor(line, true, null);
        }

        static Anchor before(Line line) {
            return new Anchor(line, false, null);
        }

        static Anchor append(Text file) {
            return new Anchor(null, true, file);
        }
    }

    /** A planned change, checked by the parser: the new contents of the files it changes. */
    record Change(String pid, Map<Path, String> files, List<String> keys, List<ConfigProblem> warnings) {
    }

    private enum Kind {
        BROKER, LOGGING, LISTENER, BRIDGE
    }

    /** The configuration a change is for, and where its lines are. */
    private final class Target {
        final Kind kind;
        final ParsedConfig.Listener listener;
        final ParsedConfig.Bridge bridge;
        /** The listener or connection line; for Pigeon's default listener (no listener line) the one added for it. */
        Line start;
        /** Pigeon's default listener: its port and address, and the lines (port, bind_address) that set them. */
        final boolean implicit;
        int port;
        String bind;
        /** Lines appended for a new section, in order; the next new line goes after the last. */
        final List<Line> sectionLines = new ArrayList<>();

        Target(Kind kind, ParsedConfig.Listener listener, ParsedConfig.Bridge bridge, boolean implicit) {
            this.kind = kind;
            this.listener = listener;
            this.bridge = bridge;
            this.implicit = implicit;
        }

        Section section() {
            return switch (kind) {
                case BROKER -> parsed.broker;
                case LOGGING -> parsed.logging;
                case LISTENER -> listener == null ? null : listener.settings();
                case BRIDGE -> bridge == null ? null : bridge.settings();
            };
        }
    }

    private final Path main;
    private final Path baseDir;
    private final Function<Path, String> display;
    private final Map<Path, Text> texts;
    private final ParsedConfig parsed;
    /** Every line of every file in the order the parser reads them (include_dir files at their include_dir line). */
    private final List<Line> order = new ArrayList<>();
    private final Map<String, ConfigProblem> fieldErrors = new LinkedHashMap<>();
    /** The keys whose lines this change writes or removes. */
    private final Set<String> touched = new LinkedHashSet<>();

    private ConfEditor(Path main, Function<Path, String> display, Map<Path, Text> texts, ParsedConfig parsed) {
        this.main = main;
        this.baseDir = main.getParent();
        this.display = display;
        this.texts = texts;
        this.parsed = parsed;
        texts.computeIfAbsent(main, p -> new Text(p, false, new byte[0], ""));
        List<Line> mainLines = texts.get(main).lines;
        for (int i = 0; i < mainLines.size(); i++) {
            order.add(mainLines.get(i));
            for (ParsedConfig.FileRead read : parsed.files) {
                if (read.includeLine() == i + 1 && texts.containsKey(read.file())) {
                    order.addAll(texts.get(read.file()).lines);
                }
            }
        }
    }

    /**
     * Reads the main file and its include_dir files as they are now.
     *
     * @param display how a path is shown in messages
     */
    static ConfEditor read(Path main, Function<Path, String> display) {
        Path file = main.toAbsolutePath().normalize();
        Map<Path, Text> texts = new LinkedHashMap<>();
        ConfParser.LineSource source = path -> {
            Text text = texts.get(path);
            if (text == null) {
                byte[] bytes = Files.readAllBytes(path);
                String content = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
                text = new Text(path, true, bytes, content);
                texts.put(path, text);
            }
            return text.strings();
        };
        ParsedConfig parsed = ConfParser.parse(file, display, source);
        return new ConfEditor(file, display, texts, parsed);
    }

    /** A digest of every file read (path and content, in reading order); "absent" files count as such. */
    String version() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Text text : texts.values()) {
                digest.update(text.path.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(text.existed ? (byte) 1 : (byte) 0);
                digest.update(ByteBuffer.allocate(8).putLong(text.bytes.length).array());
                digest.update(text.bytes);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    ParsedConfig parsed() {
        return parsed;
    }

    // ---- the three changes

    Change update(String pid, Map<String, List<String>> values) throws ConfigEditException {
        requireNoErrors();
        Target target = target(pid);
        Map<String, List<String>> wanted = cleaned(values);
        if (target.kind == Kind.LISTENER) {
            listenerAddress(target, wanted);
        } else if (target.kind == Kind.BRIDGE && wanted.containsKey("name")) {
            connectionName(target, wanted.get("name"));
        } else if (target.kind == Kind.LOGGING) {
            logging(target, wanted);
        }
        for (Map.Entry<String, List<String>> entry : wanted.entrySet()) {
            if (!handledSpecially(target.kind, entry.getKey())) {
                set(target, entry.getKey(), entry.getValue());
            }
        }
        return finish(target, pid);
    }

    Change add(String factoryPid, Map<String, List<String>> values) throws ConfigEditException {
        requireNoErrors();
        Map<String, List<String>> wanted = cleaned(values);
        Target target;
        if (GeneratedConfig.LISTENER_FACTORY_PID.equals(factoryPid)) {
            List<String> port = wanted.getOrDefault("port", List.of());
            List<String> bind = wanted.getOrDefault("bind.address", List.of());
            if (port.size() != 1) {
                throw fieldError("port", "listener", "", "a new listener needs a port, e.g. 8883.");
            }
            ParsedConfig.Listener implicit = implicitListener();
            boolean portLine = parsed.listenerDefaults.has("port") || parsed.listenerDefaults.has("bind.address");
            if (implicit != null && !portLine && !String.valueOf(implicit.port()).equals(port.get(0))) {
                // Without a listener line Pigeon listens on 1883; a first listener line would end that, so the
                // default listener gets a line of its own first, as the user sees it now.
                appendSection("listener " + implicit.port(), null);
            }
            target = new Target(Kind.LISTENER, null, null, false);
            target.start = appendSection("listener " + port.get(0) + (bind.size() == 1 ? " " + bind.get(0) : ""),
                    "port");
            target.sectionLines.add(target.start);
        } else if (GeneratedConfig.BRIDGE_FACTORY_PID.equals(factoryPid)) {
            List<String> name = wanted.getOrDefault("name", List.of());
            if (name.size() != 1) {
                throw fieldError("name", "connection", "", "a new bridge needs a connection name, e.g. central.");
            }
            target = new Target(Kind.BRIDGE, null, null, false);
            target.start = appendSection("connection " + name.get(0), "name");
            target.sectionLines.add(target.start);
        } else {
            throw new ConfigEditException(Reason.NOT_IN_FILE, display(main) + " has no sections of " + factoryPid
                    + "; it adds listener sections (io.pigeon.listener) and connection sections (io.pigeon.bridge).");
        }
        for (Map.Entry<String, List<String>> entry : wanted.entrySet()) {
            String key = entry.getKey();
            boolean address = key.equals("port") || key.equals("bind.address") || key.equals("name");
            if (!address && !entry.getValue().isEmpty()) {
                set(target, key, entry.getValue());
            }
        }
        return finish(target, null);
    }

    Change remove(String pid) throws ConfigEditException {
        requireNoErrors();
        Target target = target(pid);
        if (target.kind != Kind.LISTENER && target.kind != Kind.BRIDGE) {
            throw new ConfigEditException(Reason.NOT_IN_FILE, pid + " is not a section of " + display(main)
                    + ": only listener and connection sections can be removed.");
        }
        if (target.implicit) {
            List<Line> lines = new ArrayList<>(linesOf(parsed.listenerDefaults, "port"));
            lines.addAll(linesOf(parsed.listenerDefaults, "bind.address"));
            if (lines.isEmpty()) {
                throw new ConfigEditException(Reason.NOT_IN_FILE, "Pigeon listens on " + target.port + " because "
                        + display(main) + " has no listener line. Add the listeners you want; this one goes with"
                        + " the first.");
            }
            lines.forEach(l -> l.deleted = true);
        } else {
            Section section = target.section();
            target.start.deleted = true;
            for (ParsedConfig.Placement p : parsed.placements) {
                if (p.section() == section && p.key() != null) {
                    line(p).deleted = true;
                }
            }
        }
        return finish(target, null);
    }

    // ---- what a PID is in the file

    private Target target(String pid) throws ConfigEditException {
        if (GeneratedConfig.BROKER_PID.equals(pid)) {
            return new Target(Kind.BROKER, null, null, false);
        }
        if (GeneratedConfig.LOGGING_PID.equals(pid)) {
            return new Target(Kind.LOGGING, null, null, false);
        }
        String listenerPrefix = GeneratedConfig.LISTENER_FACTORY_PID + "~";
        String bridgePrefix = GeneratedConfig.BRIDGE_FACTORY_PID + "~";
        if (pid != null && pid.startsWith(listenerPrefix)) {
            String name = pid.substring(listenerPrefix.length());
            for (ParsedConfig.Listener l : parsed.listeners) {
                if (l.name().equals(name)) {
                    Target t = new Target(Kind.LISTENER, l, null, false);
                    t.start = startLine(l.settings());
                    return t;
                }
            }
            ParsedConfig.Listener implicit = implicitListener();
            if (implicit != null && implicit.name().equals(name)) {
                Target t = new Target(Kind.LISTENER, null, null, true);
                t.port = implicit.port();
                t.bind = implicit.bindAddress();
                return t;
            }
        } else if (pid != null && pid.startsWith(bridgePrefix)) {
            String name = pid.substring(bridgePrefix.length());
            for (ParsedConfig.Bridge b : parsed.bridges) {
                if (b.name().equals(name)) {
                    Target t = new Target(Kind.BRIDGE, null, b, false);
                    t.start = startLine(b.settings());
                    return t;
                }
            }
        }
        throw new ConfigEditException(Reason.NOT_IN_FILE, display(main) + " makes no configuration " + pid
                + "; it may have been removed from the file: reload.");
    }

    /** Pigeon's default listener (Mosquitto's): when the file has no listener line, or sets port or bind_address. */
    private ParsedConfig.Listener implicitListener() {
        Section.Setting port = parsed.listenerDefaults.get("port");
        Section.Setting bind = parsed.listenerDefaults.get("bind.address");
        if (!parsed.listeners.isEmpty() && port == null && bind == null) {
            return null;
        }
        return new ParsedConfig.Listener(port == null ? 1883 : (Integer) port.value,
                bind == null ? null : (String) bind.value, parsed.mainSource, new Section());
    }

    private Line startLine(Section section) {
        for (ParsedConfig.Placement p : parsed.placements) {
            if (p.section() == section && p.key() == null) {
                return line(p);
            }
        }
        throw new IllegalStateException("a section without its first line");
    }

    private Line line(ParsedConfig.Placement p) {
        return texts.get(p.file()).lines.get(p.line() - 1);
    }

    /** The lines that set {@code key} in {@code section}, in reading order. */
    private List<Line> linesOf(Section section, String key) {
        List<Line> out = new ArrayList<>();
        if (section == null) {
            return out;
        }
        for (ParsedConfig.Placement p : parsed.placements) {
            if (p.section() == section && key.equals(p.key())) {
                out.add(line(p));
            }
        }
        return out;
    }

    // ---- one key

    private static boolean handledSpecially(Kind kind, String key) {
        return switch (kind) {
            case LISTENER -> key.equals("port") || key.equals("bind.address");
            case BRIDGE -> key.equals("name");
            case LOGGING -> key.equals("log.level") || key.equals("log.levels") || key.equals("log.dest")
                    || key.equals("log.file");
            case BROKER -> false;
        };
    }

    /** The directive a new line for {@code key} is written with: the first in the table with that key. */
    private static Optional<Directive> directiveFor(String key) {
        Directive unsupported = null;
        for (Directive d : Directives.all().values()) {
            if (d.key().equals(key) && d.support() != Support.UNSUPPORTED && d.type() != null) {
                return Optional.of(d);
            }
            if (d.key().equals(key) && unsupported == null) {
                unsupported = d;
            }
        }
        return Optional.ofNullable(unsupported);
    }

    /** Sets one key of a section-like target to {@code texts} (empty: removes it). */
    private void set(Target target, String key, List<String> texts) {
        Optional<Directive> found = directiveFor(key);
        if (found.isEmpty()) {
            if (!texts.isEmpty()) {
                field(key, "", String.join(" ", texts), "is not a setting of " + display(main) + ".");
            }
            return;
        }
        Directive d = found.get();
        if (d.support() == Support.UNSUPPORTED) {
            if (!texts.isEmpty()) {
                field(key, d.name(), String.join(" ", texts), "not supported by Pigeon. " + d.instead());
            }
            return;
        }
        Section own;
        Section inherited = null;
        switch (target.kind) {
            case BROKER -> {
                if (d.scope() == Scope.SECURITY && parsed.perListenerSettings) {
                    field(key, d.name(), String.join(" ", texts), "is set per listener, because per_listener_settings"
                            + " is true: write it into the listener sections of " + display(main) + ".");
                    return;
                }
                if (d.scope() == Scope.BRIDGE || d.scope() == Scope.LOGGING) {
                    field(key, d.name(), String.join(" ", texts), "is not a broker setting.");
                    return;
                }
                own = d.scope() == Scope.LISTENER ? parsed.listenerDefaults : parsed.broker;
            }
            case LOGGING -> {
                if (d.scope() != Scope.LOGGING) {
                    field(key, d.name(), String.join(" ", texts), "is not a logging setting.");
                    return;
                }
                own = parsed.logging;
            }
            case LISTENER -> {
                boolean perListener = d.scope() == Scope.SECURITY && parsed.perListenerSettings;
                if (d.scope() != Scope.LISTENER && !perListener) {
                    field(key, d.name(), String.join(" ", texts), "is not a listener setting"
                            + (d.scope() == Scope.SECURITY ? " unless per_listener_settings is true" : "") + ".");
                    return;
                }
                own = target.section();
                inherited = parsed.listenerDefaults;
            }
            default -> {
                if (d.scope() != Scope.BRIDGE) {
                    field(key, d.name(), String.join(" ", texts), "is not a bridge setting.");
                    return;
                }
                own = target.section();
            }
        }
        Section.Setting ownSetting = own == null ? null : own.get(key);
        Section.Setting inheritedSetting = inherited == null ? null : inherited.get(key);
        Object current = ownSetting != null ? Section.propertyValue(ownSetting)
                : inheritedSetting != null ? Section.propertyValue(inheritedSetting) : null;
        Object wanted = texts.isEmpty() ? null : parseAll(d, texts);
        if (texts.isEmpty() ? current == null : same(current, wanted)) {
            return;
        }
        List<Line> ownLines = linesOf(own, key);
        if (texts.isEmpty()) {
            if (ownLines.isEmpty() && inheritedSetting != null) {
                field(key, d.name(), String.valueOf(inheritedSetting.value), "is set at " + inheritedSetting.source
                        + ", before the first listener line, for every listener: change it there, or in the broker's"
                        + " settings.");
                return;
            }
            ownLines.forEach(l -> l.deleted = true);
            touched.add(key);
            return;
        }
        if (d.repeatable()) {
            // one line per value: lines whose value is still wanted stay as they are, the others go, new values
            // follow the last line of the key
            List<String> missing = new ArrayList<>(texts);
            for (Line line : ownLines) {
                Object value = parse(d, line.value());
                int kept = -1;
                for (int i = 0; i < missing.size() && kept < 0; i++) {
                    if (same(value, parse(d, missing.get(i)))) {
                        kept = i;
                    }
                }
                if (kept >= 0) {
                    missing.remove(kept);
                } else {
                    line.deleted = true;
                    touched.add(key);
                }
            }
            Anchor anchor = !ownLines.isEmpty() ? Anchor.after(ownLines.get(ownLines.size() - 1))
                    : anchor(target, d.name());
            for (String text : missing) {
                insert(anchor, d.name() + " " + text, key);
            }
            return;
        }
        String value = String.join(" ", texts);
        if (!ownLines.isEmpty()) {
            rewrite(ownLines.get(0), d, value, key);
        } else {
            insert(anchor(target, d.name()), d.name() + " " + value, key);
        }
    }

    /** A listener's port and address: its listener line, unless the section has a port or bind_address line. */
    private void listenerAddress(Target target, Map<String, List<String>> wanted) {
        List<String> port = wanted.get("port");
        List<String> bind = wanted.get("bind.address");
        Section own = target.section();
        if (own != null && own.has("port") && port != null) {
            set(target, "port", port);
            port = null;
        }
        if (own != null && own.has("bind.address") && bind != null) {
            set(target, "bind.address", bind);
            bind = null;
        }
        int currentPort = target.implicit ? target.port : target.listener.port();
        String currentBind = target.implicit ? target.bind : target.listener.bindAddress();
        if (port != null && port.isEmpty()) {
            field("port", "listener", "", "a listener needs its port; remove the listener to remove it.");
            return;
        }
        String newPort = port == null ? String.valueOf(currentPort) : String.join(" ", port);
        String newBind = bind == null ? currentBind : bind.isEmpty() ? null : String.join(" ", bind);
        boolean portChanged = !newPort.equals(String.valueOf(currentPort));
        boolean bindChanged = !java.util.Objects.equals(newBind, currentBind);
        if (!portChanged && !bindChanged) {
            return;
        }
        String key = portChanged ? "port" : "bind.address";
        if (target.implicit) {
            materialize(target, newPort, newBind, key);
            return;
        }
        Line start = target.start;
        Parts parts = Parts.of(start.text);
        start.text = parts.indent + parts.word + (parts.sep.isEmpty() ? " " : parts.sep) + newPort
                + (newBind == null ? "" : " " + newBind) + trailingComment(null, parts.rest);
        start.key = key;
        touched.add(portChanged ? "port" : "bind.address");
        if (portChanged && bindChanged) {
            touched.add("bind.address");
        }
    }

    private void connectionName(Target target, List<String> name) {
        if (name.size() == 1 && name.get(0).equals(target.bridge.name())) {
            return;
        }
        if (name.isEmpty()) {
            field("name", "connection", "", "a bridge needs its connection name; remove the bridge to remove it.");
            return;
        }
        Line start = target.start;
        Parts parts = Parts.of(start.text);
        start.text = parts.indent + parts.word + (parts.sep.isEmpty() ? " " : parts.sep) + String.join(" ", name);
        start.key = "name";
        touched.add("name");
    }

    /**
     * Gives Pigeon's default listener a listener line at the end of the main file, so settings of its own can follow;
     * the port and bind_address lines that made it go, as the listener line says the same.
     */
    private void materialize(Target target, String port, String bind, String key) {
        if (target.start != null) {
            return;
        }
        for (String k : List.of("port", "bind.address")) {
            linesOf(parsed.listenerDefaults, k).forEach(l -> l.deleted = true);
        }
        target.start = appendSection("listener " + port + (bind == null ? "" : " " + bind), key);
        target.sectionLines.add(target.start);
        if (key != null) {
            touched.add(key);
        }
    }

    /** The logging settings whose directives have a syntax of their own: log_level, log_type and log_dest. */
    private void logging(Target target, Map<String, List<String>> wanted) {
        if (wanted.containsKey("log.level")) {
            List<String> level = wanted.get("log.level");
            Section.Setting current = parsed.logging.get("log.level");
            String currentLevel = current == null ? null : (String) current.value;
            String text = level.isEmpty() ? null : String.join(" ", level);
            if (text == null ? current != null : !text.equalsIgnoreCase(String.valueOf(currentLevel))) {
                touched.add("log.level");
                linesOf(parsed.logging, "log.type").forEach(l -> l.deleted = true);
                List<Line> lines = linesOf(parsed.logging, "log.level");
                if (text == null) {
                    lines.forEach(l -> l.deleted = true);
                } else if (!lines.isEmpty()) {
                    rewrite(lines.get(0), null, text, "log.level");
                } else {
                    insert(anchor(target, "log_level"), "log_level " + text, "log.level");
                }
            }
        }
        if (wanted.containsKey("log.levels")) {
            loggerLevels(target, wanted.get("log.levels"));
        }
        if (wanted.containsKey("log.dest") || wanted.containsKey("log.file")) {
            logDest(target, wanted);
        }
    }

    /** {@code log_level LOGGER LEVEL} lines, one per "LOGGER=LEVEL" value. */
    private void loggerLevels(Target target, List<String> texts) {
        List<String> missing = new ArrayList<>();
        for (String text : texts) {
            int eq = text.indexOf('=');
            if (eq <= 0 || eq == text.length() - 1 || text.substring(0, eq).isBlank()) {
                field("log.levels", "log_level", text, "write LOGGER=LEVEL, e.g. io.netty=warning.");
                return;
            }
            missing.add(text.substring(0, eq).strip() + " " + text.substring(eq + 1).strip());
        }
        List<Line> lines = linesOf(parsed.logging, "log.levels");
        for (Line line : lines) {
            String[] tokens = ValueType.tokens(line.value());
            int kept = -1;
            for (int i = 0; i < missing.size(); i++) {
                String[] want = ValueType.tokens(missing.get(i));
                if (want.length == 2 && want[0].equals(tokens[0]) && want[1].equalsIgnoreCase(tokens[1])) {
                    kept = i;
                    break;
                }
            }
            if (kept >= 0) {
                missing.remove(kept);
            } else {
                line.deleted = true;
                touched.add("log.levels");
            }
        }
        Anchor anchor = !lines.isEmpty() ? Anchor.after(lines.get(lines.size() - 1)) : anchor(target, "log_level");
        for (String entry : missing) {
            insert(anchor, "log_level " + entry, "log.levels");
        }
    }

    /** {@code log_dest stdout} and {@code log_dest file PATH}: the values of log.dest and log.file together. */
    private void logDest(Target target, Map<String, List<String>> wanted) {
        Section.Setting destSetting = parsed.logging.get("log.dest");
        Section.Setting fileSetting = parsed.logging.get("log.file");
        List<String> dest = wanted.containsKey("log.dest") ? wanted.get("log.dest")
                : destSetting == null ? List.of() : List.of((String[]) Section.propertyValue(destSetting));
        String file = wanted.containsKey("log.file") ? (wanted.get("log.file").isEmpty() ? null
                : String.join(" ", wanted.get("log.file"))) : fileSetting == null ? null : (String) fileSetting.value;
        for (String d : dest) {
            if (!d.equals("stdout") && !d.equals("file")) {
                field("log.dest", "log_dest", d, "must be stdout or file (Pigeon does not log to syslog, topic or"
                        + " dlt).");
                return;
            }
        }
        if (file != null && !dest.contains("file")) {
            field("log.file", "log_dest", "file " + file, "is written only with file in log_dest: add file there, or"
                    + " clear the log file.");
            return;
        }
        if (dest.contains("file") && file == null) {
            field("log.file", "log_dest", "file", "needs a path: enter the log file, e.g. logs/pigeon.log.");
            return;
        }
        List<Line> stdout = new ArrayList<>();
        Line fileLine = null;
        for (Line line : linesOf(parsed.logging, "log.dest")) {
            String kind = ValueType.tokens(line.value()).length == 0 ? "" : ValueType.tokens(line.value())[0];
            if (kind.equals("stdout") || kind.equals("stderr")) {
                stdout.add(line);
            } else if (kind.equals("file") && fileLine == null) {
                fileLine = line;
            }
        }
        if (!dest.contains("stdout")) {
            if (!stdout.isEmpty()) {
                touched.add("log.dest");
            }
            stdout.forEach(l -> l.deleted = true);
        } else if (stdout.isEmpty()) {
            insert(anchor(target, "log_dest"), "log_dest stdout", "log.dest");
        }
        if (!dest.contains("file")) {
            if (fileLine != null) {
                fileLine.deleted = true;
                touched.add("log.file");
            }
        } else if (fileLine == null) {
            insert(anchor(target, "log_dest"), "log_dest file " + file, "log.file");
        } else {
            String currentPath = fileLine.value().substring(4).strip();
            if (!resolved(currentPath).equals(resolved(file))) {
                rewrite(fileLine, null, "file " + file, "log.file");
            }
        }
    }

    private String resolved(String path) {
        try {
            return ValueType.resolve(path, baseDir).toString();
        } catch (BadValue e) {
            return path;
        }
    }

    // ---- lines

    /** Rewrites a line's value, keeping its indentation, directive as written, spacing and trailing comment. */
    private void rewrite(Line line, Directive d, String value, String key) {
        Parts parts = Parts.of(line.text);
        line.text = parts.indent + parts.word + (parts.sep.isEmpty() ? " " : parts.sep) + value
                + (d == null ? "" : trailingComment(d, parts.rest));
        line.key = key;
        touched.add(key);
    }

    /**
     * The comment after a value ({@code max_qos 1  # for the sensors}), with the space before it; "" when there is
     * none. For a directive, '#' starts a comment only where the parser ignores what follows (single-word values):
     * in the rest of a line it is part of the value (a password may contain " #"). {@code d} null: a listener line.
     */
    private String trailingComment(Directive d, String rest) {
        for (int i = 1; i < rest.length(); i++) {
            if (rest.charAt(i) == '#' && Character.isWhitespace(rest.charAt(i - 1))) {
                int from = i;
                while (from > 0 && Character.isWhitespace(rest.charAt(from - 1))) {
                    from--;
                }
                if (d == null) {
                    return rest.substring(from).stripTrailing();
                }
                Object whole = parse(d, rest.strip());
                Object head = parse(d, rest.substring(0, from).strip());
                return whole != UNPARSEABLE && same(whole, head) ? rest.substring(from).stripTrailing() : "";
            }
        }
        return "";
    }

    private void insert(Anchor anchor, String text, String key) {
        Text file = anchor.end != null ? anchor.end : anchor.line.file;
        Line line = new Line(file, text, file.eol);
        line.key = key;
        touched.add(key);
        if (anchor.end != null) {
            anchor.end.appended.add(line);
        } else if (anchor.after) {
            anchor.line.after.add(line);
        } else {
            anchor.line.before.add(line);
        }
    }

    /** Appends a new section's first line to the main file, after a blank line. */
    private Line appendSection(String firstLine, String key) {
        Text file = texts.get(main);
        List<Line> existing = new ArrayList<>(file.lines);
        existing.addAll(file.appended);
        Line last = null;
        for (int i = existing.size() - 1; i >= 0; i--) {
            if (!existing.get(i).deleted) {
                last = existing.get(i);
                break;
            }
        }
        if (last != null && !last.text.isBlank()) {
            file.appended.add(new Line(file, "", file.eol));
        }
        Line start = new Line(file, firstLine, file.eol);
        start.key = key;
        if (key != null) {
            touched.add(key);
        }
        file.appended.add(start);
        return start;
    }

    /** Where a new line with {@code word} goes for this target (see the class comment). */
    private Anchor anchor(Target target, String word) {
        if (target.kind == Kind.BROKER || target.kind == Kind.LOGGING) {
            return word.equals("per_listener_settings") ? topAnchor() : globalAnchor(word);
        }
        if (target.start == null) {
            materialize(target, String.valueOf(target.port), target.bind, null);
        }
        if (!target.sectionLines.isEmpty()) {
            return Anchor.after(target.sectionLines.get(target.sectionLines.size() - 1));
        }
        List<Line> region = new ArrayList<>();
        boolean in = false;
        for (Line line : order) {
            if (line == target.start) {
                in = true;
            } else if (in && isSectionStart(line)) {
                break;
            }
            if (in && line.file == target.start.file) {
                region.add(line);
            }
        }
        Anchor anchor = anchorIn(region, word, true);
        return anchor != null ? anchor : Anchor.after(target.start);
    }

    private boolean isSectionStart(Line line) {
        if (!line.isDirective()) {
            return false;
        }
        String word = line.word();
        return word.equals("listener") || word.equals("connection");
    }

    /** The main file's lines before the first listener or connection line (in reading order). */
    private List<Line> globalRegion() {
        List<Line> region = new ArrayList<>();
        for (Line line : order) {
            if (isSectionStart(line)) {
                break;
            }
            if (line.file.path.equals(main)) {
                region.add(line);
            }
        }
        return region;
    }

    private Anchor globalAnchor(String word) {
        List<Line> region = globalRegion();
        Anchor anchor = anchorIn(region, word, false);
        if (anchor != null) {
            return anchor;
        }
        Text file = texts.get(main);
        for (int i = 0; i < file.lines.size(); i++) {
            if (isSectionStart(file.lines.get(i))) {
                int first = i;
                while (first > 0 && file.lines.get(first - 1).isComment()) {
                    first--; // the comment lines right above a section belong to it
                }
                return Anchor.before(file.lines.get(first));
            }
        }
        return Anchor.append(file);
    }

    /** per_listener_settings must come before every security directive: at its commented default, or at the top. */
    private Anchor topAnchor() {
        List<Line> region = globalRegion();
        Line firstDirective = null;
        for (Line line : order) {
            if (line.isDirective()) {
                firstDirective = line;
                break;
            }
        }
        for (Line line : region) {
            if (line == firstDirective) {
                break;
            }
            if ("per_listener_settings".equals(line.commentedWord())) {
                return Anchor.after(line);
            }
        }
        if (firstDirective != null && firstDirective.file.path.equals(main)) {
            return Anchor.before(firstDirective);
        }
        return globalAnchor("per_listener_settings");
    }

    /**
     * The last commented-out {@code #word} of a region, else its last directive; before the directive when that is an
     * include_dir line. {@code sectionRegion}: stop looking for comments at a commented-out section line
     * ({@code #listener 8883}), whose commented settings are that other section's.
     */
    private static Anchor anchorIn(List<Line> region, String word, boolean sectionRegion) {
        Line comment = null;
        Line directive = null;
        boolean stopped = false;
        for (Line line : region) {
            String commented = line.commentedWord();
            if (commented != null) {
                if (sectionRegion && (commented.equals("listener") || commented.equals("connection"))) {
                    stopped = true;
                } else if (!stopped && commented.equals(word)) {
                    comment = line;
                }
            } else if (line.isDirective()) {
                directive = line;
            }
        }
        Line anchor = comment != null ? comment : directive;
        if (anchor == null) {
            return null;
        }
        return anchor.isDirective() && anchor.word().equals("include_dir") ? Anchor.before(anchor)
                : Anchor.after(anchor);
    }

    // ---- values

    private Object parseAll(Directive d, List<String> texts) {
        if (d.repeatable()) {
            String[] out = new String[texts.size()];
            for (int i = 0; i < texts.size(); i++) {
                Object one = parse(d, texts.get(i));
                if (one == UNPARSEABLE) {
                    return UNPARSEABLE;
                }
                out[i] = String.valueOf(one);
            }
            return out;
        }
        return parse(d, String.join(" ", texts));
    }

    private Object parse(Directive d, String text) {
        try {
            return d.type().parse(text, baseDir);
        } catch (BadValue e) {
            return UNPARSEABLE;
        }
    }

    private static boolean same(Object a, Object b) {
        if (a == UNPARSEABLE || b == UNPARSEABLE) {
            return false;
        }
        return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
    }

    /** The values without blanks, each on one line: a line break in a value would write a second directive. */
    private Map<String, List<String>> cleaned(Map<String, List<String>> values) throws ConfigEditException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> entry : values.entrySet()) {
            String key = entry.getKey();
            if (NOT_SETTINGS.contains(key) || key.endsWith(GeneratedConfig.DIGEST_SUFFIX)) {
                continue; // io.pigeon.config's own bookkeeping, which forms may send back as they showed it
            }
            List<String> texts = new ArrayList<>();
            for (String text : entry.getValue() == null ? List.<String>of() : entry.getValue()) {
                if (text == null || text.isBlank()) {
                    continue;
                }
                if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                    throw fieldError(key, "", "", "must be on one line, without line breaks or control characters.");
                }
                texts.add(text.strip());
            }
            out.put(key, texts);
        }
        return out;
    }

    // ---- checking and writing

    private void requireNoErrors() throws ConfigEditException {
        if (parsed.hasErrors()) {
            throw new ConfigEditException(Reason.INVALID, display(main) + " has errors, so the settings of its last"
                    + " good version are in force: fix " + parsed.errors().get(0).location() + " in the file first.",
                    parsed.errors(), Map.of());
        }
    }

    private void field(String key, String directive, String value, String message) {
        fieldErrors.putIfAbsent(key, new ConfigProblem(Severity.ERROR, display(main), 0, directive, value, message));
    }

    private ConfigEditException fieldError(String key, String directive, String value, String message) {
        ConfigProblem problem = new ConfigProblem(Severity.ERROR, display(main), 0, directive, value, message);
        return new ConfigEditException(Reason.INVALID, problem + NOT_CHANGED, List.of(problem), Map.of(key, problem));
    }

    /** Lays out the new text, parses it, and hands it back if it has no errors. */
    private Change finish(Target target, String unchangedPid) throws ConfigEditException {
        if (!fieldErrors.isEmpty()) {
            List<ConfigProblem> problems = List.copyOf(fieldErrors.values());
            throw new ConfigEditException(Reason.INVALID, problems.get(0) + NOT_CHANGED, problems, fieldErrors);
        }
        Map<Path, String> next = new LinkedHashMap<>();
        for (Text text : texts.values()) {
            next.put(text.path, text.rebuild());
        }
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path path : next.keySet()) {
            byName.put(display.apply(path), path);
        }
        ParsedConfig candidate = ConfParser.parse(main, display, path -> {
            String content = next.get(path);
            return content != null ? new Text(path, true, new byte[0], content).strings()
                    : Files.readAllLines(path, StandardCharsets.UTF_8);
        });
        List<ConfigProblem> errors = new ArrayList<>();
        Map<String, ConfigProblem> byKey = new LinkedHashMap<>();
        List<ConfigProblem> warnings = new ArrayList<>();
        for (ConfigProblem problem : candidate.problems) {
            Path path = byName.get(problem.file());
            Line line = path == null ? null : texts.get(path).at(problem.line());
            if (problem.isError()) {
                errors.add(problem);
                if (line != null && line.key != null) {
                    byKey.putIfAbsent(line.key, problem);
                }
            } else if (line != null && line.key != null) {
                warnings.add(problem);
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigEditException(Reason.INVALID, errors.get(0) + NOT_CHANGED, errors, byKey);
        }
        Map<Path, String> changed = new LinkedHashMap<>();
        for (Map.Entry<Path, String> entry : next.entrySet()) {
            Text text = texts.get(entry.getKey());
            if (!entry.getValue().equals(text.original) || !text.existed && !entry.getValue().isEmpty()) {
                changed.put(entry.getKey(), entry.getValue());
            }
        }
        return new Change(pidAfter(target, candidate, unchangedPid), changed, changed.isEmpty() ? List.of()
                : List.copyOf(touched), warnings);
    }

    /** The PID the target has in the new text: found through its section's first line. */
    private String pidAfter(Target target, ParsedConfig candidate, String unchangedPid) {
        if (target.kind == Kind.BROKER) {
            return GeneratedConfig.BROKER_PID;
        }
        if (target.kind == Kind.LOGGING) {
            return GeneratedConfig.LOGGING_PID;
        }
        if (target.start == null || target.start.deleted) {
            return unchangedPid;
        }
        for (ParsedConfig.Placement p : candidate.placements) {
            if (p.key() == null && p.section() != null && p.file().equals(target.start.file.path)
                    && p.line() == target.start.number) {
                for (ParsedConfig.Listener l : candidate.listeners) {
                    if (l.settings() == p.section()) {
                        return GeneratedConfig.LISTENER_FACTORY_PID + "~" + l.name();
                    }
                }
                for (ParsedConfig.Bridge b : candidate.bridges) {
                    if (b.settings() == p.section()) {
                        return GeneratedConfig.BRIDGE_FACTORY_PID + "~" + b.name();
                    }
                }
            }
        }
        return unchangedPid;
    }

    /** The files a change writes, as users see them. */
    List<String> names(Change change) {
        List<String> out = new ArrayList<>();
        change.files().keySet().forEach(p -> out.add(display.apply(p)));
        return out;
    }

    /**
     * Replaces each changed file atomically: the new text goes to a temporary file in the same folder (a name that
     * does not end in .conf, so include_dir never reads it), is synced, gets the old file's mode (and owner and group
     * where allowed), and is renamed over the old file; then the folder is synced. A symbolic link is followed, so the
     * file it points to is replaced and the link stays.
     */
    static void write(Map<Path, String> files) throws IOException {
        for (Map.Entry<Path, String> entry : files.entrySet()) {
            writeAtomically(entry.getKey(), entry.getValue());
        }
    }

    static void writeAtomically(Path file, String content) throws IOException {
        boolean exists = Files.exists(file);
        Path target = exists ? file.toRealPath() : file;
        Path dir = target.getParent();
        PosixFileAttributes attributes = null;
        if (exists && Files.getFileAttributeView(target, PosixFileAttributeView.class) != null) {
            attributes = Files.readAttributes(target, PosixFileAttributes.class);
        }
        Path staged = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            PosixFileAttributeView view = Files.getFileAttributeView(staged, PosixFileAttributeView.class);
            if (view != null) {
                view.setPermissions(attributes != null ? attributes.permissions()
                        : PosixFilePermissions.fromString("rw-r--r--"));
                if (attributes != null) {
                    keepOwnership(view, attributes);
                }
            }
            try {
                Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically (" + e.getMessage() + ")", e);
            }
            try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
                folder.force(true);
            } catch (IOException e) {
                // some file systems cannot sync a directory; the rename is done either way
            }
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    private static void keepOwnership(PosixFileAttributeView view, PosixFileAttributes attributes) {
        try {
            PosixFileAttributes now = view.readAttributes();
            if (!now.owner().equals(attributes.owner())) {
                view.setOwner(attributes.owner());
            }
            if (!now.group().equals(attributes.group())) {
                view.setGroup(attributes.group());
            }
        } catch (IOException | SecurityException e) {
            // not allowed to give the file away (only root may): it belongs to the gateway's user, as its edits do
        }
    }

    private String display(Path path) {
        return display.apply(path);
    }
}
