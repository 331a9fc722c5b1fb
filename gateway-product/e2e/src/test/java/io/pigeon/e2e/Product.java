package io.pigeon.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** One unpacked copy of the product archive under target/e2e-&lt;n&gt;/. */
final class Product {

    /** JVM options every product start gets: the broker must fit the Pi's heap and must not leak buffers. */
    static final String JAVA_OPTS = System.getProperty("pigeon.e2e.javaOpts",
            "-Xmx64m -Dio.netty.leakDetection.level=paranoid");

    final Path dir;
    final Path home;

    private Product(Path dir, Path home) {
        this.dir = dir;
        this.home = home;
    }

    Path launcher() {
        return home.resolve("bin/pigeon");
    }

    /** The newest product archive: {@code pigeon.archive} names the file or a directory holding it. */
    static Path archive() {
        String prop = System.getProperty("pigeon.archive", "../target/products");
        Path p = Path.of(prop).toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            try (Stream<Path> files = Files.walk(p, 2)) {
                List<Path> candidates = files.filter(f -> f.getFileName().toString().endsWith(".tar.gz")).toList();
                p = candidates.stream()
                        .filter(f -> f.getFileName().toString().startsWith("pigeon-gateway"))
                        .max(Comparator.comparing(Product::mtime))
                        .orElse(candidates.stream().max(Comparator.comparing(Product::mtime)).orElse(null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (p == null || !Files.isRegularFile(p)) {
            throw new AssertionError("No product archive found at " + prop + " (pigeon-gateway-*.tar.gz)."
                    + " Build it first with `./mvnw package -DskipTests` in the repository root, pass"
                    + " -Dpigeon.archive=<file or directory>, or run against the reference broker with"
                    + " -Dpigeon.e2e.broker=mosquitto.");
        }
        return p;
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** A fresh, numbered directory under target/ for one broker or product run. */
    static synchronized Path newRunDir() {
        Path work = Env.workDir();
        for (int n = 1; n < 10_000; n++) {
            Path d = work.resolve("e2e-" + n);
            try {
                Files.createDirectory(d);
                return d;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("too many e2e-<n> directories in " + work + "; run mvn clean");
    }

    /** Unpacks the archive with tar (which keeps the launcher's execute bit) into a new target/e2e-&lt;n&gt;/. */
    static Product unpack() {
        Path archive = archive();
        Path dir = newRunDir();
        Proc.run(Duration.ofSeconds(60), "tar", "-xzf", archive.toString(), "-C", dir.toString()).assertExit(0);
        try (Stream<Path> files = Files.walk(dir, 3)) {
            Path launcher = files.filter(f -> f.endsWith(Path.of("bin", "pigeon")) && Files.isRegularFile(f))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("archive " + archive + " has no bin/pigeon within two levels"));
            if (!Files.isExecutable(launcher)) {
                throw new AssertionError(launcher + " in " + archive + " is not executable");
            }
            return new Product(dir, launcher.getParent().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, String> env(String extraJavaOpts) {
        return Map.of("PIGEON_JAVA_OPTS", (JAVA_OPTS + " " + extraJavaOpts).trim());
    }

    /** Runs the launcher to completion (for --help, --version, bad options and bad configurations). */
    Proc.Result run(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        return Proc.run(timeout, cmd, home, env(""));
    }

    Proc start(List<String> args, String extraJavaOpts) {
        return start(List.of(), args, extraJavaOpts);
    }

    /**
     * Starts the launcher through {@code wrapper}, a command that ends by running its arguments with exec (so the
     * process stays the launcher's, and the launcher's java's), e.g. a shell that sets a resource limit first.
     */
    Proc start(List<String> wrapper, List<String> args, String extraJavaOpts) {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(launcher().toString());
        cmd.addAll(args);
        return Proc.start(cmd, home, env(extraJavaOpts));
    }

    Path plugins() {
        return home.resolve("plugins");
    }

    Path deploy() {
        return home.resolve("deploy");
    }

    /** The Equinox framework jar, to compile test bundles against. */
    Path osgiFrameworkJar() {
        try (Stream<Path> files = Files.walk(home, 3)) {
            return files.filter(f -> f.getFileName().toString().matches("org\\.eclipse\\.osgi_.*\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no org.eclipse.osgi_*.jar under " + home));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
