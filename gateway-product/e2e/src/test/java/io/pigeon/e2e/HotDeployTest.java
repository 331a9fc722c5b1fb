package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * Hot deployment through FileInstall: a bundle compiled here is dropped into deploy/, replaced by a newer version and
 * deleted, while the framework process keeps running (issue 2).
 */
@PigeonOnly("FileInstall hot deployment into the product's deploy/")
@WithBroker
class HotDeployTest {

    static final String BSN = "io.pigeon.e2e.probe";
    static final Duration FILEINSTALL_WAIT = Duration.ofSeconds(20);

    @Test
    void bundleIsDeployedUpdatedAndUndeployedWithoutRestart(Broker b) throws Exception {
        Path work = b.dir.resolve("probe");
        Path events = work.resolve("events.log");
        Files.createDirectories(work);
        Path deployed = b.product.deploy().resolve(BSN + ".jar");
        long launcherPid = b.proc.process.pid();
        List<Long> pids = b.pids();

        install(bundle(b, work, "1.0.0", events), work, deployed);
        long pid = awaitEvent(events, "start", "1.0.0", b);
        assertTrue(pids.contains(pid), "the bundle ran in process " + pid + ", not in the gateway's " + pids);

        install(bundle(b, work, "1.1.0", events), work, deployed);
        assertEquals(pid, awaitEvent(events, "stop", "1.0.0", b), "the update restarted the framework process");
        assertEquals(pid, awaitEvent(events, "start", "1.1.0", b), "the update restarted the framework process");

        Files.delete(deployed);
        assertEquals(pid, awaitEvent(events, "stop", "1.1.0", b));
        Sleep.millis(500);
        assertEquals(List.of("start 1.0.0 " + pid, "stop 1.0.0 " + pid, "start 1.1.0 " + pid, "stop 1.1.0 " + pid),
                Files.readAllLines(events), "bundle life cycle");
        assertTrue(b.alive(), "the gateway died");
        assertEquals(launcherPid, b.proc.process.pid());
        assertEquals(pids, b.pids(), "the gateway's processes changed");

        try (Proc sub = Tools.sub(b, "-t", "e2e/hotdeploy", "-C", "1", "-W", "10", "-F", Tools.FORMAT)) {
            Tools.pub(b, "-t", "e2e/hotdeploy", "-m", "broker untouched");
            sub.await(Duration.ofSeconds(12)).assertExit(0);
        }
    }

    /** Moves a finished jar into deploy/ in one step (same file system), so FileInstall never sees half a file. */
    private static void install(Path jar, Path work, Path deployed) throws IOException {
        Path staged = work.resolve("staged.jar");
        Files.copy(jar, staged, StandardCopyOption.REPLACE_EXISTING);
        long mtime = System.currentTimeMillis();
        if (Files.exists(deployed)) {
            mtime = Math.max(mtime, Files.getLastModifiedTime(deployed).toMillis() + 2000);
        }
        Files.setLastModifiedTime(staged, FileTime.fromMillis(mtime));
        Files.move(staged, deployed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits (bounded) for "&lt;what&gt; &lt;version&gt; &lt;pid&gt;" in the event file and returns the pid. */
    private static long awaitEvent(Path events, String what, String version, Broker b) throws IOException {
        Pattern p = Pattern.compile("^" + what + " " + Pattern.quote(version) + " (\\d+)$");
        long deadline = System.nanoTime() + FILEINSTALL_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(events)) {
                for (String line : Files.readAllLines(events)) {
                    Matcher m = p.matcher(line);
                    if (m.matches()) {
                        return Long.parseLong(m.group(1));
                    }
                }
            }
            b.assertAlive();
            Sleep.millis(200);
        }
        throw new AssertionError("no \"" + what + " " + version + "\" within " + FILEINSTALL_WAIT.toSeconds()
                + " s; events so far: " + (Files.exists(events) ? Files.readAllLines(events) : "none"));
    }

    /** Compiles the probe bundle against the product's own framework jar and packs it with its manifest. */
    private static Path bundle(Broker b, Path work, String version, Path events) throws IOException {
        Path src = work.resolve("src-" + version);
        Path classes = work.resolve("classes-" + version);
        Path source = src.resolve("io/pigeon/e2e/probe/Activator.java");
        Files.createDirectories(source.getParent());
        Files.createDirectories(classes);
        Files.writeString(source, """
                package io.pigeon.e2e.probe;

                import java.nio.file.Files;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;

                import org.osgi.framework.BundleActivator;
                import org.osgi.framework.BundleContext;

                public final class Activator implements BundleActivator {
                    private static final Path EVENTS = Path.of(%s);

                    @Override
                    public void start(BundleContext context) throws Exception {
                        record("start", context);
                    }

                    @Override
                    public void stop(BundleContext context) throws Exception {
                        record("stop", context);
                    }

                    private static void record(String what, BundleContext context) throws Exception {
                        Files.writeString(EVENTS, what + " " + context.getBundle().getVersion() + " "
                                + ProcessHandle.current().pid() + "\\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                }
                """.formatted(javaString(events.toAbsolutePath().toString())));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null,
                List.of("--release", "17", "-classpath", b.product.osgiFrameworkJar().toString(), "-d", classes.toString()),
                null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(source.toFile())).call();
        assertTrue(ok, "the probe bundle did not compile:\n" + diagnostics);

        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", BSN);
        a.putValue("Bundle-Version", version);
        a.putValue("Bundle-Name", "Pigeon e2e hot-deployment probe");
        a.putValue("Bundle-Activator", "io.pigeon.e2e.probe.Activator");
        a.putValue("Import-Package", "org.osgi.framework;version=\"[1.8,2)\"");
        a.putValue("Bundle-RequiredExecutionEnvironment", "JavaSE-17");
        Path jar = work.resolve(BSN + "-" + version + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
        return jar;
    }

    private static String javaString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
