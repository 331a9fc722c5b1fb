package io.pigeon.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The jars of updated bundles, in data/deploy/ (the deployer's data area outside the product), one folder per bundle id: {@code current.jar} (what the
 * last update installed, to tell an unchanged jar) and {@code replaced-N.jar} (what updates replaced, newest = highest
 * N, at most {@code keep}), readable by the owner only. Next to a jar, {@code current.source} or
 * {@code replaced-N.source} holds the absolute path of the file in deploy/ it came from (none for a console upload or
 * the product's own jar), so that removing that file can undo its update. Jars a restore took out of deploy/ go to
 * {@code set-aside/}.
 */
final class ReplacedJars {

    static final String SET_ASIDE = "set-aside";

    private final Path root;
    private final int keep;

    ReplacedJars(Path root, int keep) throws IOException {
        this.root = root;
        this.keep = Math.max(1, keep);
        Files.createDirectories(root);
        ownerOnly(root, "rwx------");
    }

    Optional<Path> current(long bundleId) {
        Path p = folder(bundleId).resolve("current.jar");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Records {@code jar} as the one this bundle runs, from {@code source} in deploy/ (null: from elsewhere). */
    void setCurrent(long bundleId, Path jar, Path source) throws IOException {
        Path folder = createFolder(bundleId);
        Path tmp = folder.resolve("current.jar.tmp");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        ownerOnly(tmp, "rw-------");
        Files.move(tmp, folder.resolve("current.jar"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        setCurrentSource(bundleId, source);
    }

    /** The file in deploy/ the jar this bundle runs came from, when it came from there. */
    Optional<Path> currentSource(long bundleId) {
        return readSource(folder(bundleId).resolve("current.source"));
    }

    /** Records (or, with null, forgets) the file in deploy/ the jar this bundle runs came from. */
    void setCurrentSource(long bundleId, Path source) throws IOException {
        writeSource(createFolder(bundleId).resolve("current.source"), source);
    }

    /** Every bundle whose running jar came from a file in deploy/, with that file. */
    Map<Long, Path> currentSources() throws IOException {
        Map<Long, Path> sources = new TreeMap<>();
        try (Stream<Path> folders = Files.list(root)) {
            for (Path folder : folders.filter(f -> f.getFileName().toString().matches("\\d+")).toList()) {
                long id = Long.parseLong(folder.getFileName().toString());
                currentSource(id).ifPresent(s -> sources.put(id, s));
            }
        }
        return sources;
    }

    /**
     * Keeps a replaced jar, with the file in deploy/ it came from ({@code source}, or null), and drops the oldest
     * beyond {@code keep}.
     */
    void keep(long bundleId, InputStream replaced, Path source) throws IOException {
        Path folder = createFolder(bundleId);
        List<Path> kept = replaced(bundleId);
        int next = kept.isEmpty() ? 1 : number(kept.get(0)) + 1;
        Path tmp = folder.resolve("replaced.tmp");
        Files.copy(replaced, tmp, StandardCopyOption.REPLACE_EXISTING);
        ownerOnly(tmp, "rw-------");
        Path jar = folder.resolve("replaced-" + next + ".jar");
        writeSource(sourceFile(jar), source);
        Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE);
        List<Path> now = replaced(bundleId);
        for (Path old : now.subList(Math.min(keep, now.size()), now.size())) {
            drop(old);
        }
    }

    /** The newest replaced jar of this bundle. */
    Optional<Path> newest(long bundleId) {
        return all(bundleId).stream().findFirst();
    }

    /** The replaced jars of this bundle, newest first. */
    List<Path> all(long bundleId) {
        try {
            return replaced(bundleId);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The file in deploy/ a replaced jar came from, when it came from there. */
    Optional<Path> source(Path replacedJar) {
        return readSource(sourceFile(replacedJar));
    }

    /** Deletes a replaced jar (it was restored, or is no longer wanted) with its source record. */
    void drop(Path replacedJar) throws IOException {
        Files.deleteIfExists(replacedJar);
        Files.deleteIfExists(sourceFile(replacedJar));
    }

    /**
     * Moves {@code jar} (a file in deploy/) into {@code set-aside/}, under its own name or, when that is taken, with
     * "-2", "-3" ... before ".jar"; returns where it went.
     */
    Path setAside(Path jar) throws IOException {
        Path folder = root.resolve(SET_ASIDE);
        Files.createDirectories(folder);
        ownerOnly(folder, "rwx------");
        String name = jar.getFileName().toString();
        String stem = name.endsWith(".jar") ? name.substring(0, name.length() - ".jar".length()) : name;
        Path target = folder.resolve(name);
        for (int n = 2; Files.exists(target); n++) {
            target = folder.resolve(stem + "-" + n + ".jar");
        }
        return Files.move(jar, target);
    }

    void forget(long bundleId) throws IOException {
        Path folder = folder(bundleId);
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(folder);
        }
    }

    /** Newest first. */
    private List<Path> replaced(long bundleId) throws IOException {
        Path folder = folder(bundleId);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().matches("replaced-\\d+\\.jar"))
                    .sorted(Comparator.comparingInt(ReplacedJars::number).reversed()).toList();
        }
    }

    private static int number(Path replaced) {
        String name = replaced.getFileName().toString();
        return Integer.parseInt(name.substring("replaced-".length(), name.length() - ".jar".length()));
    }

    private Path folder(long bundleId) {
        return root.resolve(Long.toString(bundleId));
    }

    private Path createFolder(long bundleId) throws IOException {
        Path folder = folder(bundleId);
        Files.createDirectories(folder);
        ownerOnly(folder, "rwx------");
        return folder;
    }

    private static Path sourceFile(Path jar) {
        String name = jar.getFileName().toString();
        return jar.resolveSibling(name.substring(0, name.length() - ".jar".length()) + ".source");
    }

    private static Optional<Path> readSource(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(Path.of(text));
        } catch (IOException | InvalidPathException e) {
            return Optional.empty(); // none recorded (or unreadable): the jar did not come from deploy/
        }
    }

    private static void writeSource(Path file, Path source) throws IOException {
        if (source == null) {
            Files.deleteIfExists(file);
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, source.toAbsolutePath().normalize() + "\n", StandardCharsets.UTF_8);
        ownerOnly(tmp, "rw-------");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static boolean sameContent(Path a, Path b) throws IOException {
        return Arrays.equals(sha256(a), sha256(b));
    }

    private static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0;) {
                d.update(buffer, 0, n);
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static void ownerOnly(Path p, String permissions) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system (Windows development): the data folder's own permissions apply
        }
    }
}
