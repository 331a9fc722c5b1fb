package io.pigeon.auth.internal.acl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.pigeon.auth.internal.FileFormatException;
import io.pigeon.broker.TopicFilters;

/**
 * An ACL file in Mosquitto's format, with Mosquitto 2.0's semantics (src/security_default.c):
 * <ul>
 * <li>{@code topic [read|write|readwrite|deny] TOPIC} before any {@code user} line applies to anonymous clients;
 * after {@code user NAME} it applies to that user (several blocks for one user add up). Without an access word the
 * rule is readwrite. TOPIC is the rest of the line and may contain spaces.</li>
 * <li>{@code pattern [access] TOPIC} applies to every client wherever it stands, with {@code %c} replaced by the
 * client id and {@code %u} by the user name; a pattern with {@code %u} is skipped for anonymous clients.</li>
 * <li>A check looks at the client's own rules first (deny rules before the others, then file order), then the
 * patterns (deny first); the first rule matching the topic decides if it is a deny or grants the access asked
 * for. Nothing matching means denied. A client with no rules of its own and no patterns in the file is denied
 * everything.</li>
 * <li>When the file has patterns, a client whose user name or client id contains '+' or '#' is denied everything,
 * so it cannot widen a pattern.</li>
 * </ul>
 * Mosquitto accepts every SUBSCRIBE and only filters at delivery; {@link #canSubscribe} refuses a filter through which
 * no message could ever be delivered, and grants the rest, leaving the per-message check to {@link #canRead}.
 * <p>
 * Immutable and thread safe; a reload builds a new instance. Free of OSGi types.
 */
public final class AclFile {

    /** Access bits as Mosquitto's MOSQ_ACL_READ / MOSQ_ACL_WRITE; 0 is deny. */
    static final int DENY = 0;
    static final int READ = 1;
    static final int WRITE = 2;

    record Rule(String topic, int access, int line) {
        boolean isDeny() {
            return access == DENY;
        }
    }

    /** The result of a check, with the rule that decided it (null when nothing matched). */
    public record Decision(boolean allowed, String reason) {
    }

    private final List<Rule> anonymous;
    private final Map<String, List<Rule>> users;
    private final List<Rule> patterns;

    private AclFile(List<Rule> anonymous, Map<String, List<Rule>> users, List<Rule> patterns) {
        this.anonymous = denyFirst(anonymous);
        Map<String, List<Rule>> sorted = new LinkedHashMap<>();
        users.forEach((user, rules) -> sorted.put(user, denyFirst(rules)));
        this.users = Collections.unmodifiableMap(sorted);
        this.patterns = denyFirst(patterns);
    }

    private static List<Rule> denyFirst(List<Rule> rules) {
        List<Rule> ordered = new ArrayList<>();
        rules.stream().filter(Rule::isDeny).forEach(ordered::add);
        rules.stream().filter(r -> !r.isDeny()).forEach(ordered::add);
        return List.copyOf(ordered);
    }

    public static AclFile read(Path file, String source) throws IOException, FileFormatException {
        return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), source);
    }

    public static AclFile parse(String text, String source) throws FileFormatException {
        List<Rule> anonymous = new ArrayList<>();
        Map<String, List<Rule>> users = new LinkedHashMap<>();
        List<Rule> patterns = new ArrayList<>();
        String user = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.indexOf('\uFFFD') >= 0) {
                throw new FileFormatException(source, number, "the line is not valid UTF-8. Save the file as UTF-8.");
            }
            String[] words = line.split("\\s+", 2);
            String keyword = words[0];
            String rest = words.length > 1 ? words[1] : "";
            switch (keyword) {
                case "user" -> {
                    if (rest.isEmpty()) {
                        throw new FileFormatException(source, number, "`user` needs a user name: user NAME.");
                    }
                    user = rest;
                }
                case "topic", "pattern" -> {
                    Rule rule = rule(keyword, rest, number, source);
                    if (keyword.equals("pattern")) {
                        patterns.add(rule);
                    } else if (user == null) {
                        anonymous.add(rule);
                    } else {
                        users.computeIfAbsent(user, u -> new ArrayList<>()).add(rule);
                    }
                }
                default -> throw new FileFormatException(source, number, "unknown keyword '" + keyword
                        + "'. A line is `user NAME`, `topic [read|write|readwrite|deny] TOPIC`, `pattern [read|write|"
                        + "readwrite|deny] TOPIC` or a # comment.");
            }
        }
        return new AclFile(anonymous, users, patterns);
    }

    private static Rule rule(String keyword, String rest, int number, String source) throws FileFormatException {
        if (rest.isEmpty()) {
            throw new FileFormatException(source, number, "`" + keyword + "` needs a topic: " + keyword
                    + " [read|write|readwrite|deny] TOPIC.");
        }
        String[] words = rest.split("\\s+", 2);
        int access;
        String topic;
        if (words.length == 1) {
            access = READ | WRITE;
            topic = words[0];
        } else {
            topic = words[1];
            switch (words[0]) {
                case "read" -> access = READ;
                case "write" -> access = WRITE;
                case "readwrite" -> access = READ | WRITE;
                case "deny" -> access = DENY;
                default -> throw new FileFormatException(source, number, "unknown access '" + words[0]
                        + "'. Use read, write, readwrite or deny before the topic.");
            }
        }
        String problem = TopicFilters.filterProblem(topic);
        if (problem != null) {
            throw new FileFormatException(source, number, "invalid topic '" + topic + "': " + problem + ".");
        }
        return new Rule(topic, access, number);
    }

    /** May the client publish to {@code topic} (also for its will and retained messages)? */
    public Decision canWrite(String clientId, String username, String topic) {
        return check(clientId, username, topic, WRITE);
    }

    /** May a message on {@code topic} be delivered to the client? */
    public Decision canRead(String clientId, String username, String topic) {
        return check(clientId, username, topic, READ);
    }

    private Decision check(String clientId, String username, String topic, int access) {
        if (clientId == null) {
            return new Decision(false, "the client has no client id");
        }
        List<Rule> own = ownRules(username);
        if (own.isEmpty() && patterns.isEmpty()) {
            return new Decision(false, "no rule for " + who(username));
        }
        for (Rule rule : own) {
            if (TopicFilters.matches(rule.topic, topic)) {
                if (rule.isDeny()) {
                    return new Decision(false, "denied by line " + rule.line);
                }
                if ((rule.access & access) != 0) {
                    return new Decision(true, "line " + rule.line);
                }
            }
        }
        String dangerous = dangerous(clientId, username);
        if (dangerous != null) {
            return new Decision(false, dangerous);
        }
        for (Rule rule : patterns) {
            String expanded = expand(rule.topic, clientId, username);
            if (expanded != null && TopicFilters.matches(expanded, topic)) {
                if (rule.isDeny()) {
                    return new Decision(false, "denied by line " + rule.line);
                }
                if ((rule.access & access) != 0) {
                    return new Decision(true, "line " + rule.line);
                }
            }
        }
        return new Decision(false, "no rule grants " + (access == READ ? "read" : "write") + " access");
    }

    /**
     * May the client subscribe to {@code filter}? Granted when at least one topic matching the filter would pass
     * {@link #canRead}; the broker must still call {@link #canRead} for each message. Refused when every such topic
     * is denied or no rule grants read on any of them.
     */
    public Decision canSubscribe(String clientId, String username, String filter) {
        List<Rule> own = ownRules(username);
        if (own.isEmpty() && patterns.isEmpty()) {
            return new Decision(false, "no rule for " + who(username));
        }
        List<String> denies = new ArrayList<>();
        for (Rule rule : own) {
            Decision d = subscribeStep(rule, rule.topic, filter, denies);
            if (d != null) {
                return d;
            }
        }
        String dangerous = dangerous(clientId, username);
        if (dangerous != null) {
            return new Decision(false, dangerous);
        }
        for (Rule rule : patterns) {
            String expanded = expand(rule.topic, clientId, username);
            if (expanded != null) {
                Decision d = subscribeStep(rule, expanded, filter, denies);
                if (d != null) {
                    return d;
                }
            }
        }
        return new Decision(false, "no rule grants read access to any topic of " + filter);
    }

    private static Decision subscribeStep(Rule rule, String topic, String filter, List<String> denies) {
        if (rule.isDeny()) {
            if (AclTopics.covers(topic, filter)) {
                return new Decision(false, "denied by line " + rule.line);
            }
            denies.add(topic);
            return null;
        }
        if ((rule.access & READ) == 0) {
            return null;
        }
        String overlap = AclTopics.intersection(topic, filter);
        if (overlap == null) {
            return null;
        }
        for (String deny : denies) {
            if (AclTopics.covers(deny, overlap)) {
                return null;
            }
        }
        return new Decision(true, "line " + rule.line);
    }

    private List<Rule> ownRules(String username) {
        if (username == null) {
            return anonymous;
        }
        return users.getOrDefault(username, List.of());
    }

    private String dangerous(String clientId, String username) {
        if (patterns.isEmpty()) {
            return null;
        }
        if (username != null && (username.indexOf('+') >= 0 || username.indexOf('#') >= 0)) {
            return "the user name contains '+' or '#', which the ACL patterns refuse";
        }
        if (clientId == null || clientId.indexOf('+') >= 0 || clientId.indexOf('#') >= 0) {
            return "the client id contains '+' or '#', which the ACL patterns refuse";
        }
        return null;
    }

    /** The pattern with %c and %u replaced, or null when it needs a user name the client does not have. */
    private static String expand(String pattern, String clientId, String username) {
        StringBuilder out = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '%' && i + 1 < pattern.length()) {
                char next = pattern.charAt(i + 1);
                if (next == 'c') {
                    out.append(clientId);
                    i++;
                    continue;
                }
                if (next == 'u') {
                    if (username == null) {
                        return null;
                    }
                    out.append(username);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static String who(String username) {
        return username == null ? "anonymous clients" : "user " + username;
    }

    /** Users with a block of their own, for the summary logged after a load. */
    public int userCount() {
        return users.size();
    }

    public int patternCount() {
        return patterns.size();
    }

    public boolean hasAnonymousRules() {
        return !anonymous.isEmpty();
    }
}
