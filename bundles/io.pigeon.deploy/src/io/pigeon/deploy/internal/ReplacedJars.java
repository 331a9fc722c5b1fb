package io.pigeon.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The jars of updated bundles, in data/deploy/ (the deployer's data area outside the product), one folder per bundle id: {@code current.jar} (what the
 * last update installed, to tell an unchanged jar) and {@code replaced-N.jar} (what updates replaced, newest = highest
 * N, at most {@code keep}), readable by the owner only.
 */
final class ReplacedJars {

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

    void setCurrent(long bundleId, Path jar) throws IOException {
        Path folder = folder(bundleId);
        Files.createDirectories(folder);
        ownerOnly(folder, "rwx------");
        Path tmp = folder.resolve("current.jar.tmp");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        ownerOnly(tmp, "rw-------");
        Files.move(tmp, folder.resolve("current.jar"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Keeps a replaced jar and drops the oldest beyond {@code keep}. */
    void keep(long bundleId, InputStream replaced) throws IOException {
        Path folder = folder(bundleId);
        Files.createDirectories(folder);
        ownerOnly(folder, "rwx------");
        List<Path> kept = replaced(bundleId);
        int next = kept.isEmpty() ? 1 : number(kept.get(0)) + 1;
        Path tmp = folder.resolve("replaced.tmp");
        Files.copy(replaced, tmp, StandardCopyOption.REPLACE_EXISTING);
        ownerOnly(tmp, "rw-------");
        Files.move(tmp, folder.resolve("replaced-" + next + ".jar"), StandardCopyOption.ATOMIC_MOVE);
        List<Path> now = replaced(bundleId);
        for (Path old : now.subList(Math.min(keep, now.size()), now.size())) {
            Files.deleteIfExists(old);
        }
    }

    /** The newest replaced jar of this bundle. */
    Optional<Path> newest(long bundleId) {
        try {
            return replaced(bundleId).stream().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
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
