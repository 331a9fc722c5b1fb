package io.pigeon.auth.internal.passwd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.pigeon.auth.internal.FileFormatException;

/**
 * A password file in mosquitto_passwd format: one {@code user:hash} per line (see {@link PasswordHash}), with blank
 * lines and {@code #} comment lines allowed as the Mosquitto broker allows them. A line Mosquitto would skip with a
 * warning (no ':', no hash, a plain text or undecodable hash) makes the whole file invalid here, with the file, the
 * line and the fix, so a typo cannot silently lock a user out or leave an old password in force.
 * <p>
 * Immutable and thread safe: a reload builds a new instance. Free of OSGi types so {@link PasswdTool} runs with a plain
 * class path.
 */
public final class PasswordFile {

    /** Hashed for unknown users so that a refusal takes as long whether or not the user exists. */
    private static final PasswordHash UNKNOWN_USER = PasswordHash.create(new byte[] {1},
            PasswordHash.DEFAULT_ITERATIONS, new SecureRandom());
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final List<String> lines;
    /** user -> index in {@link #lines}. */
    private final Map<String, Integer> index;
    private final Map<String, PasswordHash> hashes;

    private PasswordFile(List<String> lines, Map<String, Integer> index, Map<String, PasswordHash> hashes) {
        this.lines = List.copyOf(lines);
        this.index = Collections.unmodifiableMap(new LinkedHashMap<>(index));
        this.hashes = Collections.unmodifiableMap(new LinkedHashMap<>(hashes));
    }

    public static PasswordFile empty() {
        return new PasswordFile(List.of(), Map.of(), Map.of());
    }

    /**
     * @param source the file as it is shown in messages
     * @throws FileFormatException for the first bad line
     */
    public static PasswordFile read(Path file, String source) throws IOException, FileFormatException {
        return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), source);
    }

    public static PasswordFile parse(String text, String source) throws FileFormatException {
        List<String> lines = text.isEmpty() ? List.of() : List.of(text.split("\r?\n", -1));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines = lines.subList(0, lines.size() - 1);
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        Map<String, PasswordHash> hashes = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int number = i + 1;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (line.indexOf('\uFFFD') >= 0) {
                throw new FileFormatException(source, number, "the line is not valid UTF-8. Save the file as UTF-8.");
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new FileFormatException(source, number, "expected USER:HASH as bin/pigeon passwd and"
                        + " mosquitto_passwd write it. Fix the line, or remove it and add the user again with"
                        + " `bin/pigeon passwd " + source + " USER`.");
            }
            String user = line.substring(0, colon).strip();
            String hash = line.substring(colon + 1).strip();
            if (user.isEmpty()) {
                throw new FileFormatException(source, number, "the user name before ':' is empty. Fix or remove"
                        + " the line.");
            }
            String fix = " Set the password again with `bin/pigeon passwd " + source + " " + user
                    + "`, or remove the line.";
            if (hash.isEmpty()) {
                throw new FileFormatException(source, number, "user " + user + " has no password hash." + fix);
            }
            PasswordHash parsed;
            try {
                parsed = PasswordHash.parse(hash);
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(source, number, "user " + user + ": " + e.getMessage() + "." + fix);
            }
            Integer earlier = index.putIfAbsent(user, i);
            if (earlier != null) {
                throw new FileFormatException(source, number, "user " + user + " is already defined on line "
                        + (earlier + 1) + ". Remove one of the two lines.");
            }
            hashes.put(user, parsed);
        }
        return new PasswordFile(lines, index, hashes);
    }

    /**
     * True when the user is in the file and the password matches its hash; compared in constant time, and an unknown
     * user costs one hash too.
     */
    public boolean verify(String user, byte[] password) {
        PasswordHash hash = user == null ? null : hashes.get(user);
        if (hash == null) {
            UNKNOWN_USER.matches(password);
            return false;
        }
        return hash.matches(password);
    }

    public boolean contains(String user) {
        return hashes.containsKey(user);
    }

    /** The users in file order. */
    public Set<String> users() {
        return hashes.keySet();
    }

    PasswordHash hash(String user) {
        return hashes.get(user);
    }

    /** This file with the user's line replaced in place, or appended when the user is new; other lines unchanged. */
    public PasswordFile withUser(String user, PasswordHash hash) {
        String problem = usernameProblem(user);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        List<String> newLines = new ArrayList<>(lines);
        Map<String, Integer> newIndex = new LinkedHashMap<>(index);
        Map<String, PasswordHash> newHashes = new LinkedHashMap<>(hashes);
        String line = user + ":" + hash.encode();
        Integer at = index.get(user);
        if (at == null) {
            newIndex.put(user, newLines.size());
            newLines.add(line);
        } else {
            newLines.set(at, line);
        }
        newHashes.put(user, hash);
        return new PasswordFile(newLines, newIndex, newHashes);
    }

    /** This file without the user's line; unchanged when the user is absent. */
    public PasswordFile withoutUser(String user) {
        Integer at = index.get(user);
        if (at == null) {
            return this;
        }
        List<String> newLines = new ArrayList<>(lines);
        newLines.remove(at.intValue());
        Map<String, Integer> newIndex = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            if (!e.getKey().equals(user)) {
                newIndex.put(e.getKey(), e.getValue() > at ? e.getValue() - 1 : e.getValue());
            }
        }
        Map<String, PasswordHash> newHashes = new LinkedHashMap<>(hashes);
        newHashes.remove(user);
        return new PasswordFile(newLines, newIndex, newHashes);
    }

    /** The file's text, one line per entry or kept comment, each ended by '\n'. */
    public String text() {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        return text.toString();
    }

    /**
     * Replaces {@code file} atomically (a reader sees the old or the new file, never half of one) with owner-only
     * permissions where the file system has POSIX permissions. A symbolic link is followed, so the link stays.
     */
    public void write(Path file) throws IOException {
        Path target = Files.isSymbolicLink(file) ? file.toRealPath() : file.toAbsolutePath();
        Path dir = target.getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        Path temp = null;
        for (int attempt = 0; temp == null; attempt++) {
            Path candidate = dir.resolve("." + target.getFileName() + ".tmp" + (attempt == 0 ? "" : attempt));
            try {
                temp = posix ? Files.createFile(candidate, PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                        : Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 20) {
                    throw e;
                }
            }
        }
        try {
            Files.write(temp, text().getBytes(StandardCharsets.UTF_8));
            if (posix) {
                Files.setPosixFilePermissions(temp, OWNER_ONLY);
            }
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        if (posix && !Files.isSymbolicLink(target) && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(target, OWNER_ONLY);
        }
    }

    /** Why a user name cannot go into a password file, or null when it can. */
    public static String usernameProblem(String user) {
        if (user == null || user.isEmpty()) {
            return "The user name is empty.";
        }
        if (user.length() > 65535) {
            return "The user name must be less than 65536 characters long.";
        }
        if (user.indexOf(':') >= 0) {
            return "The user name must not contain the ':' character.";
        }
        if (!user.equals(user.strip())) {
            return "The user name must not start or end with a space (the broker would not find it).";
        }
        if (user.startsWith("#")) {
            return "The user name must not start with '#' (the line would be read as a comment).";
        }
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i))) {
                return "The user name must not contain control characters.";
            }
        }
        return null;
    }
}
