package io.pigeon.console.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.MetaTypeService;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.pigeon.broker.Broker;
import io.pigeon.config.ConfigurationFile;

/**
 * The settings form model in Equinox with the real MetaTypeService and ConfigurationAdmin: the console's own metatype
 * (io.pigeon.console, from its @ObjectClassDefinition) and a factory PID with every attribute kind the forms handle. Metatype to JSON, checks per field, saves with typed
 * values, passwords never in the form, etc/pigeon.conf configurations refused with their file:line, and new
 * configurations written to etc/ for FileInstall. The factory PID's metatype is this fragment's
 * OSGI-INF/metatype/formtest.xml, which the MetaTypeService reads as the console bundle's.
 */
class ConfigFormsOsgiTest {

    private static final BundleContext CONTEXT = FrameworkUtil.getBundle(UserStore.class).getBundleContext();
    static final String FACTORY = "io.pigeon.console.formtest";

    private static ConfigForms forms;
    private static ConfigurationAdmin cm;

    @BeforeAll
    static void findTheTestMetatype() throws Exception {
        forms = ConsoleOsgiTest.service(ConfigForms.class, null);
        cm = ConsoleOsgiTest.service(ConfigurationAdmin.class, null);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!forms.definitions().stream().anyMatch(d -> d.pid().equals(FACTORY))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the MetaTypeService did not list " + FACTORY + " within 10 s");
            }
            Thread.sleep(100);
        }
    }

    @AfterEach
    void deleteTestConfigurations() throws Exception {
        for (Configuration c : forms.factoryConfigurations(FACTORY)) {
            c.delete();
        }
    }

    private static Map<String, Object> values(Object... pairs) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private static JsonObject field(Map<String, Object> form, String id) {
        JsonObject json = JsonParser.parseString(Json.GSON.toJson(form)).getAsJsonObject();
        for (var f : json.getAsJsonArray("fields")) {
            if (f.getAsJsonObject().get("id").getAsString().equals(id)) {
                return f.getAsJsonObject();
            }
        }
        throw new AssertionError("no field " + id + " in " + json);
    }

    @Test
    void theSettingsAndGpioRoutesAreRegisteredSoTheConsoleSecurityTestChecksThem() throws Exception {
        for (String route : List.of("/api/settings", "/api/settings/form", "/api/settings/save",
                "/api/settings/delete", "/api/gpio", "/api/gpio/set")) {
            String filter = "(&(objectClass=javax.servlet.Servlet)(osgi.http.whiteboard.servlet.pattern=" + route + "))";
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (CONTEXT.getServiceReferences((String) null, filter) == null) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(route + " is not registered: a reference of its servlet is missing");
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void theConsolesOwnMetatypeBecomesAFormWithTypesDefaultsAndDescriptions() throws Exception {
        ConfigForms.Definition d = forms.definition(ConsoleConfig.PID);
        assertFalse(d.factory());
        assertEquals("io.pigeon.console", d.bundle().getSymbolicName());
        Map<String, Object> form = forms.form(d, null);
        assertEquals("Pigeon HTTP console", form.get("title"));
        JsonObject port = field(form, "port");
        assertEquals("integer", port.get("type").getAsString());
        assertEquals("8080", port.getAsJsonArray("default").get(0).getAsString());
        assertEquals(0, port.get("cardinality").getAsInt());
        assertTrue(port.get("description").getAsString().contains("TCP port"), port.toString());
        assertEquals("string", field(form, "bind.address").get("type").getAsString());
    }

    @Test
    void everyAttributeKindIsInTheFormAndAPasswordIsNeverSent() throws Exception {
        ConfigForms.Definition d = forms.definition(FACTORY);
        assertTrue(d.factory());
        forms.save(d, null, "kinds", values("host", "h", "port", "1", "mode", "fast", "password", "s3cret"), null,
                "admin");
        Configuration c = forms.configuration(FACTORY + "~kinds");
        Map<String, Object> form = forms.form(d, c);
        String json = Json.GSON.toJson(form);
        assertFalse(json.contains("s3cret"), "the password stays on the server: " + json);
        JsonObject password = field(form, "password");
        assertEquals("password", password.get("type").getAsString());
        assertTrue(password.get("set").getAsBoolean());
        assertTrue(password.get("value").isJsonNull());
        JsonObject mode = field(form, "mode");
        assertEquals(3, mode.getAsJsonArray("options").size());
        assertEquals("Fast lane", mode.getAsJsonArray("options").get(1).getAsJsonObject().get("label").getAsString());
        assertEquals(5, field(form, "tags").get("cardinality").getAsInt());
        assertEquals("boolean", field(form, "enabled").get("type").getAsString());
        assertTrue(field(form, "host").get("required").getAsBoolean());
        assertFalse(field(form, "tags").get("required").getAsBoolean());
        assertEquals("kinds", form.get("name"));
        assertEquals("configadmin", ((Map<?, ?>) form.get("origin")).get("kind"));
    }

    @Test
    void wrongValuesAreRefusedPerFieldNamingTheValueAndWhatIsAllowed() throws Exception {
        ConfigForms.Definition d = forms.definition(FACTORY);
        ConfigForms.Invalid e = assertThrows(ConfigForms.Invalid.class, () -> forms.check(d, values("port", "abc",
                "mode", "warp", "enabled", "yes", "tags", List.of("1", "2", "3", "4", "5", "6"), "colour", "red"),
                null));
        assertEquals("required: enter a value", e.fields.get("host"));
        assertEquals("'abc' is not a whole number (integer)", e.fields.get("port"));
        assertEquals("'warp' is not one of slow, fast, off", e.fields.get("mode"));
        assertEquals("'yes' is not true or false", e.fields.get("enabled"));
        assertEquals("at most 5 values, not 6", e.fields.get("tags"));
        assertTrue(e.fields.get("colour").startsWith("not a setting of"), e.fields.toString());
        assertEquals(6, e.fields.size(), e.fields.toString());

        ConfigForms.Invalid range = assertThrows(ConfigForms.Invalid.class, () -> forms.check(d,
                values("host", "h", "port", "70000"), null));
        assertTrue(range.fields.get("port").startsWith("'70000': "), range.fields.toString());

        // the console's own metatype: Equinox checks max = 65535 from @AttributeDefinition
        ConfigForms.Invalid console = assertThrows(ConfigForms.Invalid.class, () -> forms.check(
                forms.definition(ConsoleConfig.PID), values("port", "70000"), null));
        assertTrue(console.fields.get("port").startsWith("'70000': "), console.fields.toString());
    }

    @Test
    void aSaveStoresTypedValuesInConfigAdminAndAnEmptyPasswordKeepsTheStoredOne() throws Exception {
        ConfigForms.Definition d = forms.definition(FACTORY);
        String pid = forms.save(d, null, "one", values("host", " broker.local ", "port", 1883.0, "enabled", "true",
                "tags", List.of("a", "", "b"), "password", "first"), null, "admin").pid();
        assertEquals(FACTORY + "~one", pid);
        Dictionary<String, Object> p = cm.getConfiguration(pid, "?").getProperties();
        assertEquals("broker.local", p.get("host"));
        assertEquals(Integer.valueOf(1883), p.get("port"), "a JSON number is stored as the metatype's integer");
        assertEquals(Boolean.TRUE, p.get("enabled"));
        assertArrayEquals(new String[] {"a", "b"}, (String[]) p.get("tags"));
        assertEquals("first", p.get("password"));
        assertNull(p.get("mode"), "an empty optional value is left out, so the default applies");

        forms.save(d, pid, null, values("host", "other", "port", "1884", "password", ""), null, "admin");
        p = cm.getConfiguration(pid, "?").getProperties();
        assertEquals("other", p.get("host"));
        assertEquals("first", p.get("password"), "an empty password field keeps the stored password");
        assertNull(p.get("tags"), "a value removed in the form is removed from the configuration");

        forms.save(d, pid, null, values("host", "other", "password.clear", Boolean.TRUE), null, "admin");
        assertNull(cm.getConfiguration(pid, "?").getProperties().get("password"), "cleared on request");

        ConfigForms.Invalid taken = assertThrows(ConfigForms.Invalid.class, () -> forms.save(d, null, "one",
                values("host", "x"), null, "admin"));
        assertTrue(taken.fields.get(ConfigForms.CONFIGURATION_NAME).contains("exists already"), taken.fields.toString());
        ConfigForms.Invalid badName = assertThrows(ConfigForms.Invalid.class, () -> forms.save(d, null, "../x",
                values("host", "x"), null, "admin"));
        assertTrue(badName.fields.containsKey(ConfigForms.CONFIGURATION_NAME));

        forms.delete(d, pid, null, "admin");
        assertTrue(forms.factoryConfigurations(FACTORY).isEmpty());
    }

    @Test
    void aConfigurationFromPigeonConfIsShownWithItsLinesAndSavingItIsRefused() throws Exception {
        Configuration c = cm.getFactoryConfiguration(FACTORY, "fromconf", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("host", "conf.example");
        p.put(ConfigForms.GENERATED, Boolean.TRUE);
        p.put(ConfigForms.SOURCE, "/opt/pigeon/etc/pigeon.conf:12");
        p.put(ConfigForms.SOURCES, new String[] {"host=/opt/pigeon/etc/pigeon.conf:14"});
        c.update(p);
        ConfigForms.Definition d = forms.definition(FACTORY);
        Map<String, Object> form = forms.form(d, c);
        assertTrue(String.valueOf(form.get("readOnly")).contains("/opt/pigeon/etc/pigeon.conf:12"), form.toString());
        assertEquals("/opt/pigeon/etc/pigeon.conf:14", field(form, "host").get("origin").getAsString());
        assertTrue(field(form, "port").get("origin").getAsString().startsWith("not set in"));

        ApiServlet.BadRequest refused = assertThrows(ApiServlet.BadRequest.class, () -> forms.save(d, c.getPid(),
                null, values("host", "changed"), null, "admin"));
        assertEquals(409, refused.status, "io.pigeon.config makes no such PID, so its lines cannot be changed here");
        assertTrue(refused.getMessage().contains("/opt/pigeon/etc/pigeon.conf:12"), refused.getMessage());
        assertEquals("conf.example", cm.getConfiguration(c.getPid(), "?").getProperties().get("host"), "unchanged");
        ApiServlet.BadRequest newOne = assertThrows(ApiServlet.BadRequest.class, () -> forms.save(d, null, "more",
                values("host", "x"), null, "admin"));
        assertEquals(409, newOne.status, "pigeon.conf configures this factory PID, so a new one belongs there too");
        assertThrows(ApiServlet.BadRequest.class, () -> forms.delete(d, c.getPid(), null, "admin"));
    }

    @Test
    void aNewConfigurationIsWrittenToEtcForFileInstallAndNamesThatFile(@TempDir Path etc) throws Exception {
        ConfigForms withEtc = new ConfigForms(ConsoleOsgiTest.service(MetaTypeService.class, null), cm, CONTEXT,
                ConsoleOsgiTest.service(LoggerFactory.class, null).getLogger(ConfigForms.class), etc);
        ConfigForms.Definition d = withEtc.definition(FACTORY);
        String pid = withEtc.save(d, null, "filed", values("host", "h=1 x", "port", "42", "tags", List.of("a", "b")),
                null, "admin").pid();
        Path file = etc.resolve(FACTORY + "-filed.cfg");
        assertTrue(Files.isRegularFile(file), "written: " + file);
        Properties read = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            read.load(in);
        }
        assertEquals("h=1 x", read.getProperty("host"));
        assertEquals("42", read.getProperty("port"));
        assertEquals("[\"a\", \"b\"]", read.getProperty("tags"));
        Dictionary<String, Object> p = cm.getConfiguration(pid, "?").getProperties();
        assertEquals("file:" + file.toAbsolutePath(), p.get(ConfigForms.FILEINSTALL_FILENAME), "as FileInstall names it");
        assertEquals("file", ConfigForms.origin(cm.getConfiguration(pid, "?")).get("kind"));
        assertEquals("filed", ConfigForms.instanceName(cm.getConfiguration(pid, "?")));

        withEtc.delete(d, pid, null, "admin");
        assertFalse(Files.exists(file), "deleting the configuration deletes its file, or FileInstall brings it back");
        assertNotNull(ConfigForms.etcFolder("/x/deploy,/x/etc"));
        assertEquals(Path.of("/x/etc"), ConfigForms.etcFolder("/x/deploy, /x/etc"));
        assertNull(ConfigForms.etcFolder("/x/deploy"));
    }

    @Test
    void aPigeonConfFormIsSavedIntoTheFileLineByLineAndTheListenerFollows(@TempDir Path etc) throws Exception {
        Broker broker = ConsoleOsgiTest.service(Broker.class, null);
        int port = freePort();
        int added = freePort();
        Path conf = etc.resolve("pigeon.conf");
        String text = "# the test gateway\n\n# the sensors' listener\nlistener " + port + " 127.0.0.1\n"
                + "max_connections 5 # a few sensors\n";
        Files.writeString(conf, text);
        // the bundle that serves the file, not the API bundle the interface comes from
        Bundle config = CONTEXT.getServiceReference(ConfigurationFile.class).getBundle();
        System.setProperty("pigeon.config", conf.toString());
        try {
            config.stop();
            config.start();
            String pid = "io.pigeon.listener~" + port + "-127.0.0.1";
            awaitListener(broker, "127.0.0.1:" + port, true);
            ConfigForms.Definition d = forms.definition("io.pigeon.listener");
            Configuration c = awaitConfiguration(pid);
            Map<String, Object> form = forms.form(d, c);
            assertNull(form.get("readOnly"), "a listener from pigeon.conf can be changed: " + form);
            assertNotNull(form.get("version"));
            assertEquals(Boolean.FALSE, form.get("named"), "a listener is named by its port");
            assertFalse(Json.GSON.toJson(form).contains("\"config.source\""), "io.pigeon.config's bookkeeping is not"
                    + " a field");
            assertEquals(conf + ":5", field(form, "max.connections").get("origin").getAsString());

            ConfigForms.Invalid bad = assertThrows(ConfigForms.Invalid.class, () -> forms.save(d, pid, null,
                    values("max.qos", "3"), (String) form.get("version"), "admin"));
            assertEquals(conf + ":6: max_qos 3: must be 0, 1 or 2. Fix the value or remove the line.",
                    bad.fields.get("max.qos"), "the parser's words, on the field");
            assertEquals(text, Files.readString(conf), "a refused value leaves the file alone");

            ConfigForms.Saved saved = forms.save(d, pid, null, values("max.connections", 7.0, "port",
                    (double) port, "bind.address", "127.0.0.1", "protocol", "", "mount.point", ""),
                    (String) form.get("version"), "admin");
            assertEquals(pid, saved.pid());
            assertEquals(text.replace("max_connections 5 #", "max_connections 7 #"), Files.readString(conf));
            assertEquals(7, cm.getConfiguration(pid, "?").getProperties().get("max.connections"));

            ApiServlet.BadRequest stale = assertThrows(ApiServlet.BadRequest.class, () -> forms.save(d, pid, null,
                    values("max.connections", "8"), (String) form.get("version"), "admin"));
            assertEquals(409, stale.status, "the form is older than the file: " + stale.getMessage());

            ConfigForms.Definition listeners = forms.definition("io.pigeon.listener");
            Map<String, Object> blank = forms.form(listeners, null);
            assertNull(blank.get("readOnly"));
            ConfigForms.Saved created = forms.save(listeners, null, null, values("port", String.valueOf(added),
                    "bind.address", "127.0.0.1"), (String) blank.get("version"), "admin");
            assertEquals("io.pigeon.listener~" + added + "-127.0.0.1", created.pid());
            awaitListener(broker, "127.0.0.1:" + added, true);
            assertTrue(Files.readString(conf).endsWith("max_connections 7 # a few sensors\n\nlistener " + added
                    + " 127.0.0.1\n"), Files.readString(conf));

            Configuration addedConfig = awaitConfiguration(created.pid());
            forms.delete(listeners, created.pid(), (String) forms.form(listeners, addedConfig).get("version"),
                    "admin");
            awaitListener(broker, "127.0.0.1:" + added, false);
            assertEquals(text.replace("max_connections 5 #", "max_connections 7 #") + "\n", Files.readString(conf));
        } finally {
            System.clearProperty("pigeon.config");
            config.stop();
            config.start();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static Configuration awaitConfiguration(String pid) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Configuration c = forms.configuration(pid);
            if (c != null) {
                return c;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no configuration " + pid + " within 20 s");
    }

    private static void awaitListener(Broker broker, String hostPort, boolean open) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (broker.listeners().stream().anyMatch(uri -> uri.endsWith("//" + hostPort)) == open) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("listener " + hostPort + (open ? " not open" : " still open") + " after 20 s: "
                + broker.listeners());
    }
}
