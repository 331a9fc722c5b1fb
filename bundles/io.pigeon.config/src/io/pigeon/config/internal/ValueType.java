package io.pigeon.config.internal;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses and checks a directive's value. The result is the configuration property value: Integer, Long, Boolean or
 * String. The {@code baseDir} resolves relative paths (the directory of the main file).
 */
@FunctionalInterface
interface ValueType {

    String FIX = " Fix the value or remove the line.";

    Object parse(String raw, Path baseDir) throws BadValue;

    static String[] tokens(String raw) {
        String trimmed = raw.trim();
        return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
    }

    /** One token; a trailing token starting with '#' is a comment, as in Mosquitto's listener line. */
    static String single(String raw) throws BadValue {
        String[] tokens = tokens(raw);
        if (tokens.length == 0) {
            throw new BadValue("needs a value." + FIX);
        }
        if (tokens.length > 1 && !tokens[1].startsWith("#")) {
            throw new BadValue("takes one value, found " + tokens.length + "." + FIX);
        }
        return tokens[0];
    }

    static ValueType intRange(int min, int max) {
        return (raw, base) -> {
            String token = single(raw);
            long value;
            try {
                value = Long.parseLong(token);
            } catch (NumberFormatException e) {
                value = Long.MIN_VALUE;
            }
            if (value < min || value > max) {
                throw new BadValue(rangeText(min, max) + FIX);
            }
            return (int) value;
        };
    }

    static ValueType longRange(long min, long max) {
        return (raw, base) -> {
            String token = single(raw);
            try {
                long value = Long.parseLong(token);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below with the allowed range
            }
            throw new BadValue(rangeText(min, max) + FIX);
        };
    }

    private static String rangeText(long min, long max) {
        if (max - min <= 2) {
            StringBuilder text = new StringBuilder("must be ");
            for (long v = min; v <= max; v++) {
                text.append(v).append(v == max ? "" : v == max - 1 ? " or " : ", ");
            }
            return text.append('.').toString();
        }
        String upper = max == Integer.MAX_VALUE || max == Long.MAX_VALUE ? "" : " to " + max;
        return upper.isEmpty() ? "must be a whole number of at least " + min + "."
                : "must be a whole number from " + min + upper + ".";
    }

    /** true/false; 1/0 too, because Mosquitto accepts them and users bring their mosquitto.conf. */
    /**
     * A ':'-separated list of cipher suite names: OpenSSL's for TLS 1.2 (ECDHE-RSA-AES128-GCM-SHA256) or the TLS 1.3
     * names (TLS_AES_128_GCM_SHA256). OpenSSL's cipher expressions (HIGH, !aNULL, @STRENGTH) are refused here, with
     * the file's line; whether the JVM has each suite is checked when the listener opens.
     */
    static ValueType cipherList() {
        return (raw, base) -> {
            String list = single(raw);
            for (String name : list.split(":", -1)) {
                if (!name.matches("[A-Z0-9]+(-[A-Z0-9]+)+|TLS_[A-Z0-9_]+")) {
                    throw new BadValue("'" + name + "' is not a cipher suite name. Pigeon takes a ':'-separated list"
                            + " of names such as ECDHE-RSA-AES128-GCM-SHA256 (TLS 1.2, OpenSSL's names) or"
                            + " TLS_AES_128_GCM_SHA256 (TLS 1.3), not OpenSSL keywords such as HIGH or !aNULL.");
                }
            }
            return list;
        };
    }

    /** Mosquitto's tls_version, the lowest TLS version a listener allows. */
    static ValueType tlsVersion() {
        return (raw, base) -> {
            String token = single(raw);
            return switch (token) {
                case "tlsv1.3", "tlsv1.2" -> token;
                case "tlsv1.1", "tlsv1" -> throw new BadValue("is turned off in Java, as unsafe. Use tlsv1.2 (which"
                        + " also allows 1.3) or tlsv1.3.");
                default -> throw new BadValue("must be tlsv1.2 or tlsv1.3." + FIX);
            };
        };
    }

    static ValueType bool() {
        return (raw, base) -> {
            switch (single(raw)) {
                case "true", "1":
                    return Boolean.TRUE;
                case "false", "0":
                    return Boolean.FALSE;
                default:
                    throw new BadValue("must be true or false." + FIX);
            }
        };
    }

    /** The rest of the line, as Mosquitto reads strings. */
    static ValueType string() {
        return (raw, base) -> {
            String value = raw.trim();
            if (value.isEmpty()) {
                throw new BadValue("needs a value." + FIX);
            }
            return value;
        };
    }

    /** A single word without spaces, e.g. a host name. */
    static ValueType word() {
        return (raw, base) -> single(raw);
    }

    static ValueType oneOf(String... allowed) {
        return (raw, base) -> {
            String token = single(raw);
            for (String candidate : allowed) {
                if (candidate.equals(token)) {
                    return token;
                }
            }
            throw new BadValue("must be " + orList(List.of(allowed)) + "." + FIX);
        };
    }

    static String orList(List<String> words) {
        if (words.size() == 1) {
            return words.get(0);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    }

    Pattern DURATION = Pattern.compile("[1-9][0-9]{0,8}[hdwmy]");

    /**
     * Mosquitto's expiry duration: a number and a unit h, d, w, m (30 days) or y. Kept as written; the broker converts
     * it.
     */
    static ValueType duration() {
        return (raw, base) -> {
            String token = single(raw);
            if (!DURATION.matcher(token).matches()) {
                throw new BadValue("must be a number followed by h (hours), d (days), w (weeks), m (months) or y (years),"
                        + " e.g. 2h or 14d." + FIX);
            }
            return token;
        };
    }

    /** An existing readable file; the value becomes its absolute path. */
    ValueType EXISTING_FILE = (raw, base) -> {
        Path path = resolve(raw.trim(), base);
        if (!Files.isRegularFile(path)) {
            throw new BadValue("file " + path + " not found. Create it or fix the path.");
        }
        if (!Files.isReadable(path)) {
            throw new BadValue("file " + path + " cannot be read. Give the gateway's user read access.");
        }
        return path.toString();
    };

    /** See {@link #EXISTING_FILE}; the files these directives name are watched (see {@link ConfParser}). */
    static ValueType existingFile() {
        return EXISTING_FILE;
    }

    /** An existing directory; the value becomes its absolute path. */
    static ValueType existingDirectory() {
        return (raw, base) -> {
            Path path = resolve(raw.trim(), base);
            if (!Files.isDirectory(path)) {
                throw new BadValue("directory " + path + " not found. Create it or fix the path.");
            }
            return path.toString();
        };
    }

    /** A path that need not exist yet (it is created), e.g. persistence_location; made absolute. */
    static ValueType path() {
        return (raw, base) -> resolve(raw.trim(), base).toString();
    }

    static Path resolve(String raw, Path base) throws BadValue {
        if (raw.isEmpty()) {
            throw new BadValue("needs a path." + FIX);
        }
        try {
            Path path = Path.of(raw);
            return (path.isAbsolute() || base == null ? path : base.resolve(path)).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new BadValue("is not a valid path (" + e.getReason() + ")." + FIX);
        }
    }

    /** A topic without wildcards, e.g. a mount_point. */
    static ValueType topicName() {
        return (raw, base) -> {
            String token = single(raw);
            if (token.contains("+") || token.contains("#")) {
                throw new BadValue("must be a topic without the wildcards + and #." + FIX);
            }
            return token;
        };
    }

    /** Bridge {@code address host[:port] [host[:port]]...}: the hosts to try in order. */
    static ValueType addresses() {
        return (raw, base) -> {
            String[] tokens = tokens(raw);
            if (tokens.length == 0) {
                throw new BadValue("needs at least one host[:port]." + FIX);
            }
            List<String> list = new ArrayList<>();
            for (String token : tokens) {
                int colon = token.lastIndexOf(':');
                boolean ipv6 = token.indexOf(':') != colon && !token.startsWith("[");
                if (colon > 0 && !ipv6) {
                    try {
                        int port = Integer.parseInt(token.substring(colon + 1));
                        if (port < 1 || port > 65535) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        throw new BadValue("'" + token + "' has no valid port; write host or host:port with a port from"
                                + " 1 to 65535." + FIX);
                    }
                } else if (colon == 0) {
                    throw new BadValue("'" + token + "' has no host; write host or host:port." + FIX);
                }
                list.add(token);
            }
            return list.toArray(new String[0]);
        };
    }

    /**
     * Bridge {@code topic PATTERN [in|out|both] [QOS] [LOCAL_PREFIX] [REMOTE_PREFIX]}, kept as written, with
     * Mosquitto's checks: {@code ""} stands for an empty pattern or prefix, prefixes carry no wildcards, and an empty
     * pattern maps the local prefix to the remote prefix, so it needs both.
     */
    static ValueType bridgeTopic() {
        return (raw, base) -> {
            String[] tokens = tokens(raw);
            if (tokens.length == 0 || tokens.length > 5) {
                throw new BadValue("must be PATTERN [in|out|both] [QOS] [LOCAL_PREFIX] [REMOTE_PREFIX]." + FIX);
            }
            if (tokens.length > 1 && !List.of("in", "out", "both").contains(tokens[1])) {
                throw new BadValue("direction '" + tokens[1] + "' must be in, out or both." + FIX);
            }
            if (tokens.length > 2 && !List.of("0", "1", "2").contains(tokens[2])) {
                throw new BadValue("QoS '" + tokens[2] + "' must be 0, 1 or 2." + FIX);
            }
            String pattern = emptyQuotes(tokens[0]);
            String local = tokens.length > 3 ? emptyQuotes(tokens[3]) : "";
            String remote = tokens.length > 4 ? emptyQuotes(tokens[4]) : "";
            for (String prefix : List.of(local, remote)) {
                if (prefix.contains("+") || prefix.contains("#")) {
                    throw new BadValue("prefix '" + prefix + "' must not contain the wildcards + and #." + FIX);
                }
            }
            if (pattern.isEmpty() && (local.isEmpty() || remote.isEmpty())) {
                throw new BadValue("an empty pattern \"\" maps the local prefix to the remote prefix, so it needs"
                        + " both, e.g. `topic \"\" out 1 local/topic remote/topic`." + FIX);
            }
            if (!pattern.isEmpty() && !validFilter(pattern)) {
                throw new BadValue("pattern '" + pattern + "' is not a topic filter: + and # must stand alone"
                        + " between slashes, and # only at the end." + FIX);
            }
            return String.join(" ", tokens);
        };
    }

    /** Mosquitto writes an empty pattern or prefix as two double quotes. */
    static String emptyQuotes(String token) {
        return token.equals("\"\"") ? "" : token;
    }

    private static boolean validFilter(String filter) {
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#")) {
                if (i != levels.length - 1) {
                    return false;
                }
            } else if (!level.equals("+") && (level.contains("+") || level.contains("#"))) {
                return false;
            }
        }
        return true;
    }

    /** Bridge {@code restart_timeout BASE [CAP]} in seconds, kept as written. */
    static ValueType restartTimeout() {
        return (raw, base) -> {
            String[] tokens = tokens(raw);
            if (tokens.length == 0 || tokens.length > 2) {
                throw new BadValue("must be one number of seconds, or two (base and cap) for a backoff." + FIX);
            }
            for (String token : tokens) {
                try {
                    if (Integer.parseInt(token) < 1) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw new BadValue("must be whole numbers of seconds of at least 1." + FIX);
                }
            }
            if (tokens.length == 2 && Integer.parseInt(tokens[1]) < Integer.parseInt(tokens[0])) {
                throw new BadValue("the cap " + tokens[1] + " must not be less than the base " + tokens[0]
                        + ", e.g. `restart_timeout 5 30`." + FIX);
            }
            return String.join(" ", tokens);
        };
    }

    /** Pigeon's log levels, lower case as written in the file. */
    List<String> LEVELS = List.of("error", "warning", "info", "debug", "trace");

    static String level(String token) throws BadValue {
        String level = token.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new BadValue("level '" + token + "' must be " + orList(LEVELS) + "." + FIX);
        }
        return level;
    }
}
