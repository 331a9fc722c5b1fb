package io.pigeon.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.pigeon.config.ConfigEdit;
import io.pigeon.config.ConfigEditException;
import io.pigeon.config.ConfigurationFile;

/**
 * Inside Equinox: a file becomes Configuration Admin configurations, an edit updates only what changed, and a bad
 * edit is refused. The component reads pigeon.config when it activates, so the test restarts the bundle; it uses
 * the system bundle's context, which stays valid across that restart.
 */
class ConfigFileOsgiTest {

    @TempDir
    Path dir;
    Path conf;
    BundleContext system;
    Bundle host;

    @BeforeEach
    void start() throws Exception {
        host = FrameworkUtil.getBundle(ConfigFileComponent.class);
        system = host.getBundleContext().getBundle(0).getBundleContext();
        conf = dir.resolve("pigeon.conf");
        Files.writeString(conf, "max_inflight_messages 7\nlistener 1884\nmax_connections 5\nlistener 1885\n");
        System.setProperty("pigeon.config", conf.toString());
        host.stop();
        host.start();
    }

    @AfterEach
    void restoreDefaults() throws Exception {
        System.clearProperty("pigeon.config");
        host.stop();
        host.start();
        waitFor(() -> config("io.pigeon.listener~1883") != null, "the default listener is back");
    }

    @Test
    void fileBecomesConfigurationsAndEditsUpdateThem() throws Exception {
        waitFor(() -> config("io.pigeon.listener~1884") != null, "listener 1884 is configured");
        assertEquals(7, config("io.pigeon.broker").get("max.inflight.messages"));
        assertEquals(Boolean.TRUE, config("io.pigeon.broker").get("pigeon.generated"));
        assertEquals(5, config("io.pigeon.listener~1884").get("max.connections"));
        assertEquals(conf + ":2", config("io.pigeon.listener~1884").get("config.source"));
        assertEquals(1885, config("io.pigeon.listener~1885").get("port"));
        assertNull(config("io.pigeon.listener~1883"), "no default listener next to explicit ones");
        long untouched = configuration("io.pigeon.listener~1885").getChangeCount();

        Files.writeString(conf, "# moved down a line\nmax_inflight_messages 7\nlistener 1884\nmax_connections 6\n"
                + "listener 1885\n");
        waitFor(() -> Integer.valueOf(6).equals(config("io.pigeon.listener~1884").get("max.connections")),
                "the watcher applies the edit");
        assertEquals(untouched, configuration("io.pigeon.listener~1885").getChangeCount(),
                "an unchanged listener is not rewritten");

        ConfigurationFile file = service(ConfigurationFile.class);
        assertEquals(conf.toAbsolutePath().normalize(), file.path().orElseThrow());
        Files.writeString(conf, "max_inflight_messages 7\nlistener 1884\nmax_connections 6\nmax_qos 9\n");
        assertFalse(file.reload());
        assertTrue(file.problems().get(0).toString().endsWith(":4: max_qos 9: must be 0, 1 or 2. Fix the value or"
                + " remove the line."), file.problems().toString());
        assertNotNull(config("io.pigeon.listener~1885"), "a refused edit leaves the previous settings in force");

        Files.writeString(conf, "listener 1884\n");
        assertTrue(file.reload());
        assertNull(config("io.pigeon.listener~1885"));
        assertNull(config("io.pigeon.broker").get("max.inflight.messages"));
    }

    @Test
    void anEditOfANamedFileUpdatesItsDigest() throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "alice:one\n");
        Files.writeString(conf, "password_file passwd\nlistener 1884\n");
        assertTrue(service(ConfigurationFile.class).reload());
        String before = (String) config("io.pigeon.broker").get("password.file.digest");
        assertNotNull(before);
        long listener = configuration("io.pigeon.listener~1884").getChangeCount();

        Files.writeString(passwd, "alice:two\n");
        waitFor(() -> !before.equals(config("io.pigeon.broker").get("password.file.digest")),
                "the watcher sees the password file change");
        assertEquals(passwd.toString(), config("io.pigeon.broker").get("password.file"));
        assertEquals(listener, configuration("io.pigeon.listener~1884").getChangeCount(),
                "only the configuration naming the file changes");
    }

    @Test
    void aChangeThroughTheServiceIsWrittenAppliedAtOnceAndRefusedWhenTheFileChangedMeanwhile() throws Exception {
        Files.writeString(conf, "# the gateway\nmax_inflight_messages 7\nlistener 1884\nmax_connections 5 # few\n"
                + "listener 1885\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r-----"));
        ConfigurationFile file = service(ConfigurationFile.class);
        assertTrue(file.reload());
        long untouched = configuration("io.pigeon.listener~1885").getChangeCount();

        String version = file.version();
        ConfigEdit edit = file.update(version, "io.pigeon.listener~1884", Map.of("max.connections", List.of("6"),
                "max.qos", List.of()));
        assertEquals("io.pigeon.listener~1884", edit.pid());
        assertEquals(List.of(conf.toString()), edit.files());
        assertEquals(List.of("max.connections"), edit.keys(), "the keys whose lines changed, not all that were sent");
        assertEquals("# the gateway\nmax_inflight_messages 7\nlistener 1884\nmax_connections 6 # few\n"
                + "listener 1885\n", Files.readString(conf));
        assertEquals(6, config("io.pigeon.listener~1884").get("max.connections"), "applied before update returns");
        assertEquals(untouched, configuration("io.pigeon.listener~1885").getChangeCount());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf)));

        ConfigEditException old = assertThrows(ConfigEditException.class, () -> file.update(version,
                "io.pigeon.listener~1884", Map.of("max.connections", List.of("7"))));
        assertEquals(ConfigEditException.Reason.STALE, old.reason(), "the version before the last change");
        String current = file.version();
        Files.writeString(conf, Files.readString(conf) + "max_qos 1\n"); // a hand edit while the form is open
        ConfigEditException stale = assertThrows(ConfigEditException.class, () -> file.update(current,
                "io.pigeon.broker", Map.of("max.inflight.messages", List.of("8"))));
        assertEquals(ConfigEditException.Reason.STALE, stale.reason());
        assertTrue(stale.getMessage().contains("changed on disk"), stale.getMessage());
        assertTrue(Files.readString(conf).contains("max_inflight_messages 7\n"), "the hand edit is not overwritten");

        ConfigEdit added = file.add(file.version(), "io.pigeon.listener", Map.of("port", List.of("1886")));
        assertEquals("io.pigeon.listener~1886", added.pid());
        assertEquals(1886, config("io.pigeon.listener~1886").get("port"));
        file.remove(file.version(), "io.pigeon.listener~1886");
        assertNull(config("io.pigeon.listener~1886"));
        ConfigEditException refused = assertThrows(ConfigEditException.class, () -> file.update(file.version(),
                "io.pigeon.listener~1884", Map.of("max.qos", List.of("3"))));
        assertEquals(ConfigEditException.Reason.INVALID, refused.reason());
        assertEquals(conf + ":5: max_qos 3: must be 0, 1 or 2. Fix the value or remove the line.",
                refused.byKey().get("max.qos").toString());
    }

    private <T> T service(Class<T> type) {
        ServiceReference<T> reference = system.getServiceReference(type);
        assertNotNull(reference, type.getName() + " is registered");
        return system.getService(reference);
    }

    private Configuration configuration(String pid) {
        try {
            Configuration[] found = service(ConfigurationAdmin.class).listConfigurations("(service.pid=" + pid + ")");
            return found == null ? null : found[0];
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private Map<String, Object> config(String pid) {
        Configuration configuration = configuration(pid);
        if (configuration == null || configuration.getProperties() == null) {
            return null;
        }
        Map<String, Object> properties = new HashMap<>();
        configuration.getProperties().keys().asIterator()
                .forEachRemaining(k -> properties.put(k, configuration.getProperties().get(k)));
        return properties;
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
