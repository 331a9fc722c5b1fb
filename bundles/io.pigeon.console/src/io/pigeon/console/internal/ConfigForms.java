package io.pigeon.console.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Configuration forms drawn from the metatype of the gateway's bundles ({@code io.pigeon.*}), one per PID and per
 * factory PID, and the checks and saves behind them. The JSON the pages get is made of plain maps and lists
 * ({@link #form}); values come back as text or lists of text and are checked against the attribute's type, options,
 * cardinality and the metatype's own {@link AttributeDefinition#validate} (min/max) before anything is stored.
 * <p>
 * Where a configuration comes from decides what saving does:
 * <ul>
 * <li>{@code etc/pigeon.conf} (io.pigeon.config marks those configurations {@value #GENERATED}): refused, with the
 * file:line of each value. A Mosquitto user keeps the broker, listeners and bridges in that one file, with comments
 * and includes; the config bundle re-applies it on every change, so a value changed behind its back would be lost at
 * the next edit, and rewriting the file would lose its layout. The form says which line to edit instead.</li>
 * <li>a FileInstall file {@code etc/*.cfg}: {@link Configuration#update} through ConfigAdmin; FileInstall writes the
 * values back into the same file (felix.fileinstall.enableConfigSave, on by default).</li>
 * <li>none yet: the file {@code etc/PID.cfg} or {@code etc/FACTORYPID-NAME.cfg} is written with the values, and the
 * configuration is created through ConfigAdmin naming that file, so FileInstall keeps both in step from then on
 * (FileInstall only writes back into files that exist). Without a FileInstall etc folder it lives in ConfigAdmin
 * only, which the form says.</li>
 * </ul>
 * Passwords ({@link AttributeDefinition#PASSWORD}) are never sent to the page: the form says whether one is set, and
 * a save without a new value keeps the stored one.
 */
@Component(service = ConfigForms.class)
public final class ConfigForms {

    /** Set by io.pigeon.config on configurations it makes from etc/pigeon.conf. */
    static final String GENERATED = "pigeon.generated";
    /** io.pigeon.config: the file:line of the section a configuration comes from. */
    static final String SOURCE = "config.source";
    /** io.pigeon.config: "key=file:line" for each setting. */
    static final String SOURCES = "config.sources";
    /** FileInstall: the URL of the .cfg file of a configuration. */
    static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    /** A factory configuration name: it becomes part of a file name, so no path characters. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** The key of a new factory configuration's name among the field errors (an attribute may be called "name"). */
    static final String CONFIGURATION_NAME = "configuration.name";

    /** One form: a PID or factory PID and its object class definition. */
    record Definition(String pid, boolean factory, Bundle bundle, ObjectClassDefinition ocd) {
    }

    /** Values the user must fix, by attribute id; becomes 400 with a message per field. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final Map<String, String> fields;

        Invalid(String message, Map<String, String> fields) {
            super(message);
            this.fields = fields;
        }
    }

    private final MetaTypeService metaType;
    private final ConfigurationAdmin configAdmin;
    private final BundleContext context;
    private final Logger log;
    private final Path etc;

    @Activate
    public ConfigForms(@Reference MetaTypeService metaType, @Reference ConfigurationAdmin configAdmin,
            BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this(metaType, configAdmin, context, log, etcFolder(context.getProperty("felix.fileinstall.dir")));
    }

    ConfigForms(MetaTypeService metaType, ConfigurationAdmin configAdmin, BundleContext context, Logger log,
            Path etc) {
        this.metaType = metaType;
        this.configAdmin = configAdmin;
        this.context = context;
        this.log = log;
        this.etc = etc;
    }

    /** The FileInstall folder named etc (bin/pigeon passes "HOME/deploy,HOME/etc"), else null. */
    static Path etcFolder(String fileInstallDirs) {
        if (fileInstallDirs == null) {
            return null;
        }
        for (String dir : fileInstallDirs.split(",")) {
            Path p = Path.of(dir.strip());
            if (p.getFileName() != null && p.getFileName().toString().equals("etc")) {
                return p;
            }
        }
        return null;
    }

    Path etc() {
        return etc;
    }

    /** Every PID and factory PID with metatype in the gateway's bundles, sorted by PID. */
    List<Definition> definitions() {
        List<Definition> out = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            String name = bundle.getSymbolicName();
            if (name == null || !name.startsWith("io.pigeon.") || bundle.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
            if (info == null) {
                continue;
            }
            for (String pid : info.getPids()) {
                out.add(new Definition(pid, false, bundle, info.getObjectClassDefinition(pid, null)));
            }
            for (String pid : info.getFactoryPids()) {
                out.add(new Definition(pid, true, bundle, info.getObjectClassDefinition(pid, null)));
            }
        }
        out.sort((a, b) -> a.pid().compareTo(b.pid()));
        return out;
    }

    Definition definition(String pid) throws ApiServlet.BadRequest {
        for (Definition d : definitions()) {
            if (d.pid().equals(pid)) {
                return d;
            }
        }
        throw new ApiServlet.BadRequest(404, "no configurable component " + pid + " (GET /api/settings lists them)");
    }

    /** The configurations of a factory PID, by PID. */
    List<Configuration> factoryConfigurations(String factoryPid) throws IOException {
        return list("(" + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + factoryPid + ")");
    }

    /** The configuration with this PID, or null. */
    Configuration configuration(String pid) throws IOException {
        List<Configuration> found = list("(" + org.osgi.framework.Constants.SERVICE_PID + "=" + pid + ")");
        return found.isEmpty() ? null : found.get(0);
    }

    private List<Configuration> list(String filter) throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations(filter);
            List<Configuration> out = found == null ? new ArrayList<>() : new ArrayList<>(Arrays.asList(found));
            out.sort((a, b) -> a.getPid().compareTo(b.getPid()));
            return out;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("not a PID: " + filter, e);
        }
    }

    /** PIDs and factory PIDs that etc/pigeon.conf fills: a new configuration for them belongs in that file. */
    Set<String> pigeonConfPids() throws IOException {
        Set<String> pids = new HashSet<>();
        for (Configuration c : list("(" + GENERATED + "=true)")) {
            pids.add(c.getFactoryPid() != null ? c.getFactoryPid() : c.getPid());
        }
        return pids;
    }

    /** The summary of every form for the list on the settings page. */
    List<Map<String, Object>> overview() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> confPids = pigeonConfPids();
        for (Definition d : definitions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", d.pid());
            m.put("factory", d.factory());
            m.put("name", d.ocd().getName());
            m.put("description", d.ocd().getDescription());
            m.put("bundle", d.bundle().getSymbolicName());
            m.put("pigeonConf", confPids.contains(d.pid()));
            if (d.factory()) {
                List<Map<String, Object>> configs = new ArrayList<>();
                for (Configuration c : factoryConfigurations(d.pid())) {
                    configs.add(Map.of("pid", c.getPid(), "name", instanceName(c), "origin", origin(c)));
                }
                m.put("configurations", configs);
            } else {
                Configuration c = configuration(d.pid());
                m.put("origin", c == null ? Map.of("kind", "defaults") : origin(c));
            }
            out.add(m);
        }
        return out;
    }

    /** The name part of {@code factory~name}, else the FileInstall NAME of FACTORY-NAME.cfg, else the PID. */
    static String instanceName(Configuration c) {
        String pid = c.getPid();
        int tilde = pid.indexOf('~');
        if (tilde >= 0) {
            return pid.substring(tilde + 1);
        }
        Dictionary<String, Object> p = c.getProperties();
        Object file = p == null ? null : p.get(FILEINSTALL_FILENAME);
        if (file != null && c.getFactoryPid() != null) {
            String base = file.toString().substring(file.toString().lastIndexOf('/') + 1);
            if (base.startsWith(c.getFactoryPid() + "-") && base.endsWith(".cfg")) {
                return base.substring(c.getFactoryPid().length() + 1, base.length() - 4);
            }
        }
        return pid;
    }

    /** Where a configuration comes from: kind pigeon.conf (with file:line), file (etc/*.cfg) or configadmin. */
    static Map<String, Object> origin(Configuration c) {
        Dictionary<String, Object> p = c.getProperties();
        Map<String, Object> m = new LinkedHashMap<>();
        if (p != null && Boolean.TRUE.equals(p.get(GENERATED))) {
            m.put("kind", "pigeon.conf");
            m.put("source", String.valueOf(p.get(SOURCE)));
        } else if (p != null && p.get(FILEINSTALL_FILENAME) != null) {
            m.put("kind", "file");
            m.put("file", fileOf(p.get(FILEINSTALL_FILENAME).toString()));
        } else {
            m.put("kind", "configadmin");
        }
        return m;
    }

    private static String fileOf(String url) {
        try {
            return Path.of(java.net.URI.create(url)).toString();
        } catch (RuntimeException e) {
            return url;
        }
    }

    /** "key" → "file:line" from io.pigeon.config's config.sources. */
    static Map<String, String> sources(Dictionary<String, Object> p) {
        Map<String, String> out = new LinkedHashMap<>();
        Object sources = p == null ? null : p.get(SOURCES);
        if (sources instanceof String[] list) {
            for (String s : list) {
                int eq = s.indexOf('=');
                if (eq > 0) {
                    out.put(s.substring(0, eq), s.substring(eq + 1));
                }
            }
        }
        return out;
    }

    /**
     * The form of a definition filled from a configuration ({@code null}: a new one, with the defaults). Passwords
     * are left out; {@code set} says whether one is stored.
     */
    Map<String, Object> form(Definition d, Configuration c) throws IOException {
        Dictionary<String, Object> props = c == null ? null : c.getProperties();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", c == null ? null : c.getPid());
        m.put("factoryPid", d.factory() ? d.pid() : null);
        m.put("definition", d.pid());
        m.put("title", d.ocd().getName());
        m.put("description", d.ocd().getDescription());
        m.put("name", c == null || !d.factory() ? null : instanceName(c));
        Map<String, Object> origin = c == null ? Map.of("kind", "new") : origin(c);
        m.put("origin", origin);
        boolean fromConf = "pigeon.conf".equals(origin.get("kind"));
        String refusal = null;
        if (fromConf) {
            refusal = "set in " + origin.get("source") + ": edit etc/pigeon.conf there (the gateway applies the file"
                    + " when it is saved)";
        } else if (c == null && pigeonConfPids().contains(d.pid())) {
            refusal = "etc/pigeon.conf configures " + d.pid() + ": add it to that file";
        }
        m.put("readOnly", refusal);
        m.put("storage", storage(c));
        Map<String, String> lines = sources(props);
        List<Map<String, Object>> fields = new ArrayList<>();
        Set<String> required = ids(d.ocd().getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
        for (AttributeDefinition ad : attributes(d)) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("id", ad.getID());
            f.put("label", ad.getName() == null ? ad.getID() : ad.getName());
            f.put("description", ad.getDescription());
            f.put("type", typeName(ad.getType()));
            f.put("cardinality", ad.getCardinality());
            f.put("required", required.contains(ad.getID()));
            List<Map<String, String>> options = new ArrayList<>();
            String[] values = ad.getOptionValues();
            String[] labels = ad.getOptionLabels();
            if (values != null) {
                for (int i = 0; i < values.length; i++) {
                    options.add(Map.of("value", values[i], "label",
                            labels != null && i < labels.length && labels[i] != null && !labels[i].isBlank() ? labels[i]
                                    : values[i]));
                }
            }
            f.put("options", options);
            boolean password = ad.getType() == AttributeDefinition.PASSWORD;
            f.put("default", password || ad.getDefaultValue() == null ? List.of() : List.of(ad.getDefaultValue()));
            Object value = props == null ? null : props.get(ad.getID());
            f.put("set", value != null);
            f.put("value", password || value == null ? null : texts(value));
            f.put("origin", fromConf ? lines.getOrDefault(ad.getID(), "not set in " + origin.get("source")
                    + " (default)") : null);
            fields.add(f);
        }
        m.put("fields", fields);
        return m;
    }

    private String storage(Configuration c) {
        if (c != null) {
            Object file = c.getProperties() == null ? null : c.getProperties().get(FILEINSTALL_FILENAME);
            if (file != null) {
                return "saved to " + fileOf(file.toString()) + " (FileInstall)";
            }
            if (!Boolean.TRUE.equals(c.getProperties() == null ? null : c.getProperties().get(GENERATED))) {
                return "saved in ConfigAdmin only (no etc/*.cfg file)";
            }
            return null;
        }
        return etc == null ? "saved in ConfigAdmin only (FileInstall watches no etc folder)"
                : "a new file in " + etc;
    }

    private static List<AttributeDefinition> attributes(Definition d) {
        AttributeDefinition[] all = d.ocd().getAttributeDefinitions(ObjectClassDefinition.ALL);
        return all == null ? List.of() : Arrays.asList(all);
    }

    private static Set<String> ids(AttributeDefinition[] ads) {
        Set<String> out = new HashSet<>();
        if (ads != null) {
            for (AttributeDefinition ad : ads) {
                out.add(ad.getID());
            }
        }
        return out;
    }

    static String typeName(int type) {
        return switch (type) {
            case AttributeDefinition.STRING -> "string";
            case AttributeDefinition.LONG -> "long";
            case AttributeDefinition.INTEGER -> "integer";
            case AttributeDefinition.SHORT -> "short";
            case AttributeDefinition.CHARACTER -> "char";
            case AttributeDefinition.BYTE -> "byte";
            case AttributeDefinition.DOUBLE -> "double";
            case AttributeDefinition.FLOAT -> "float";
            case AttributeDefinition.BOOLEAN -> "boolean";
            case AttributeDefinition.PASSWORD -> "password";
            default -> "string";
        };
    }

    /** A stored value as the list of its texts (a scalar is a list of one). */
    static List<String> texts(Object value) {
        List<String> out = new ArrayList<>();
        if (value.getClass().isArray()) {
            int n = java.lang.reflect.Array.getLength(value);
            for (int i = 0; i < n; i++) {
                out.add(String.valueOf(java.lang.reflect.Array.get(value, i)));
            }
        } else if (value instanceof Iterable<?> list) {
            list.forEach(v -> out.add(String.valueOf(v)));
        } else {
            out.add(String.valueOf(value));
        }
        return out;
    }

    /**
     * Checks submitted values against the definition and returns the properties to store: each attribute with a
     * value, typed as the metatype says (a scalar, or an array when the cardinality allows several). An empty optional
     * value is left out (the component's default applies). A password left empty keeps {@code existing}'s.
     *
     * @param values attribute id → text, list of texts, boolean or number, as the page sends them
     * @throws Invalid with a message for each field that is wrong, naming the value and what is allowed
     */
    Map<String, Object> check(Definition d, Map<String, Object> values, Dictionary<String, Object> existing)
            throws Invalid {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        Set<String> required = ids(d.ocd().getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
        for (AttributeDefinition ad : attributes(d)) {
            String id = ad.getID();
            known.add(id);
            List<String> texts = new ArrayList<>();
            Object raw = values.get(id);
            if (raw instanceof List<?> list) {
                for (Object o : list) {
                    if (o != null && !o.toString().isBlank()) {
                        texts.add(plain(o));
                    }
                }
            } else if (raw != null && !plain(raw).isEmpty()) {
                texts.add(plain(raw));
            }
            if (ad.getType() == AttributeDefinition.PASSWORD && texts.isEmpty()) {
                Object stored = existing == null ? null : existing.get(id);
                if (stored != null && !Boolean.TRUE.equals(values.get(id + ".clear"))) {
                    out.put(id, stored);
                }
                continue;
            }
            if (texts.isEmpty()) {
                if (required.contains(id) && ad.getDefaultValue() == null) {
                    errors.put(id, "required: enter a value");
                }
                continue;
            }
            int cardinality = ad.getCardinality();
            int max = cardinality == 0 ? 1 : cardinality == Integer.MAX_VALUE || cardinality == Integer.MIN_VALUE
                    ? Integer.MAX_VALUE : Math.abs(cardinality);
            if (texts.size() > max) {
                errors.put(id, "at most " + max + " value" + (max == 1 ? "" : "s") + ", not " + texts.size());
                continue;
            }
            List<Object> typed = new ArrayList<>();
            String problem = null;
            for (String text : texts) {
                problem = problem(ad, text);
                if (problem != null) {
                    break;
                }
                typed.add(convert(ad.getType(), text));
            }
            if (problem != null) {
                errors.put(id, problem);
                continue;
            }
            out.put(id, cardinality == 0 ? typed.get(0) : toArray(ad.getType(), typed));
        }
        for (String key : values.keySet()) {
            if (!known.contains(key) && !key.endsWith(".clear")) {
                errors.put(key, "not a setting of " + d.pid() + "; the form lists those");
            }
        }
        if (!errors.isEmpty()) {
            throw new Invalid(errors.size() == 1 ? "1 value needs fixing" : errors.size() + " values need fixing",
                    errors);
        }
        return out;
    }

    private static String plain(Object o) {
        if (o instanceof Double number && number == Math.rint(number) && !Double.isInfinite(number)) {
            return Long.toString(number.longValue()); // Gson reads every JSON number as a double
        }
        return o.toString().strip();
    }

    /** Why a text is not a value of the attribute, or null. */
    static String problem(AttributeDefinition ad, String text) {
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0 && !Arrays.asList(options).contains(text)) {
            return "'" + text + "' is not one of " + String.join(", ", options);
        }
        try {
            convert(ad.getType(), text);
        } catch (IllegalArgumentException e) {
            return "'" + text + "' is not " + switch (ad.getType()) {
                case AttributeDefinition.BOOLEAN -> "true or false";
                case AttributeDefinition.CHARACTER -> "one character";
                case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "a number";
                default -> "a whole number (" + typeName(ad.getType()) + ")";
            };
        }
        String verdict = ad.validate(text);
        if (verdict != null && !verdict.isEmpty()) {
            return "'" + text + "': " + verdict;
        }
        return null;
    }

    static Object convert(int type, String text) {
        return switch (type) {
            case AttributeDefinition.LONG -> Long.valueOf(text);
            case AttributeDefinition.INTEGER -> Integer.valueOf(text);
            case AttributeDefinition.SHORT -> Short.valueOf(text);
            case AttributeDefinition.BYTE -> Byte.valueOf(text);
            case AttributeDefinition.DOUBLE -> Double.valueOf(text);
            case AttributeDefinition.FLOAT -> Float.valueOf(text);
            case AttributeDefinition.CHARACTER -> {
                if (text.length() != 1) {
                    throw new IllegalArgumentException(text);
                }
                yield Character.valueOf(text.charAt(0));
            }
            case AttributeDefinition.BOOLEAN -> {
                if (!text.equals("true") && !text.equals("false")) {
                    throw new IllegalArgumentException(text);
                }
                yield Boolean.valueOf(text);
            }
            default -> text;
        };
    }

    private static Object toArray(int type, List<Object> values) {
        Class<?> component = switch (type) {
            case AttributeDefinition.LONG -> Long.class;
            case AttributeDefinition.INTEGER -> Integer.class;
            case AttributeDefinition.SHORT -> Short.class;
            case AttributeDefinition.BYTE -> Byte.class;
            case AttributeDefinition.DOUBLE -> Double.class;
            case AttributeDefinition.FLOAT -> Float.class;
            case AttributeDefinition.CHARACTER -> Character.class;
            case AttributeDefinition.BOOLEAN -> Boolean.class;
            default -> String.class;
        };
        Object array = java.lang.reflect.Array.newInstance(component, values.size());
        for (int i = 0; i < values.size(); i++) {
            java.lang.reflect.Array.set(array, i, values.get(i));
        }
        return array;
    }

    /**
     * Checks and stores a form. {@code pid} names an existing configuration; without it a new one is made: the PID
     * itself, or for a factory a configuration named {@code name}.
     *
     * @return the stored configuration's PID
     * @throws ApiServlet.BadRequest 409 when etc/pigeon.conf holds it, 404 for an unknown PID
     * @throws Invalid when a value is wrong
     */
    String save(Definition d, String pid, String name, Map<String, Object> values, String user)
            throws IOException, ApiServlet.BadRequest, Invalid {
        Configuration existing = pid == null ? (d.factory() ? null : configuration(d.pid())) : configuration(pid);
        if (pid != null && existing == null) {
            throw new ApiServlet.BadRequest(404, "no configuration " + pid + "; it may have been deleted: reload");
        }
        if (existing != null && !d.pid().equals(existing.getFactoryPid() != null ? existing.getFactoryPid()
                : existing.getPid())) {
            throw new ApiServlet.BadRequest("configuration " + pid + " is not one of " + d.pid());
        }
        Dictionary<String, Object> current = existing == null ? null : existing.getProperties();
        if (current != null && Boolean.TRUE.equals(current.get(GENERATED))) {
            Map<String, String> pointers = new LinkedHashMap<>();
            Map<String, String> lines = sources(current);
            for (String key : values.keySet()) {
                pointers.put(key, "from etc/pigeon.conf: edit " + lines.getOrDefault(key, String.valueOf(
                        current.get(SOURCE))));
            }
            throw new Invalid(d.pid() + " comes from " + current.get(SOURCE) + ": change it in etc/pigeon.conf, which"
                    + " the gateway applies when the file is saved (the console does not rewrite that file)",
                    pointers);
        }
        if (existing == null && pigeonConfPids().contains(d.pid())) {
            throw new ApiServlet.BadRequest(409, "etc/pigeon.conf configures " + d.pid() + ": add it to that file"
                    + " (for example a `listener` or `connection` section), so that it stays the one place to look");
        }
        Map<String, Object> checked = check(d, values, current);
        Hashtable<String, Object> next = new Hashtable<>();
        Set<String> metatypeKeys = ids(d.ocd().getAttributeDefinitions(ObjectClassDefinition.ALL));
        if (current != null) {
            for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                if (!metatypeKeys.contains(key)) {
                    next.put(key, current.get(key)); // service.pid, felix.fileinstall.filename, ...
                }
            }
        }
        next.putAll(checked);
        Configuration target = existing;
        if (target == null) {
            if (d.factory() && (name == null || !NAME.matcher(name).matches())) {
                throw new Invalid("name the new configuration", Map.of(CONFIGURATION_NAME, "'" + (name == null ? "" : name)
                        + "' is not a name: letters, digits, '-', '_' and '.', at most 64, starting with a letter"
                        + " or digit"));
            }
            if (d.factory() && configuration(d.pid() + "~" + name) != null) {
                throw new Invalid("that name is taken", Map.of(CONFIGURATION_NAME, d.pid() + "~" + name
                        + " exists already: choose another name or edit that one"));
            }
            if (etc != null) {
                Path file = etc.resolve(d.factory() ? d.pid() + "-" + name + ".cfg" : d.pid() + ".cfg");
                if (Files.exists(file)) {
                    throw new Invalid("the file exists", Map.of(CONFIGURATION_NAME, file + " exists but is not loaded (see the"
                            + " log for why): fix or remove it"));
                }
                writeCfg(file, checked);
                next.put(FILEINSTALL_FILENAME, fileInstallKey(file));
            }
            target = d.factory() ? configAdmin.getFactoryConfiguration(d.pid(), name, "?")
                    : configAdmin.getConfiguration(d.pid(), "?");
        }
        target.update(next);
        log.info("HTTP console: user '{}' saved configuration {} ({})", user, target.getPid(),
                String.join(", ", new java.util.TreeSet<>(checked.keySet())));
        return target.getPid();
    }

    /** The felix.fileinstall.filename FileInstall itself gives a file (File.toURI: "file:/..."), so it finds ours. */
    static String fileInstallKey(Path file) {
        return file.toFile().getAbsoluteFile().toURI().toString();
    }

    /**
     * Writes a new .cfg file for FileInstall (Java properties syntax; arrays in FileInstall's typed {@code [ ... ]}
     * form), through a staged file moved in so FileInstall never reads half of it.
     */
    static void writeCfg(Path file, Map<String, Object> values) throws IOException {
        StringBuilder out = new StringBuilder("# Written by the Pigeon console; FileInstall keeps it in step with"
                + " ConfigAdmin.\n");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            String text;
            if (v.getClass().isArray()) {
                List<String> items = new ArrayList<>();
                for (String t : texts(v)) {
                    items.add("\"" + t.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
                }
                text = "[" + String.join(", ", items) + "]";
                out.append(escapeKey(e.getKey())).append(" = ").append(text).append('\n');
            } else {
                Properties one = new Properties();
                one.setProperty(e.getKey(), String.valueOf(v));
                StringWriter w = new StringWriter();
                one.store(w, null);
                w.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> out.append(l).append('\n'));
            }
        }
        Path staged = file.resolveSibling("." + file.getFileName() + ".staged");
        Files.writeString(staged, out, StandardCharsets.UTF_8);
        Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String escapeKey(String key) {
        return key.replace(" ", "\\ ").replace("=", "\\=").replace(":", "\\:");
    }

    /**
     * Deletes a factory configuration and its etc/*.cfg file (FileInstall would re-create the configuration from the
     * file otherwise). Configurations from etc/pigeon.conf are refused with the file:line.
     */
    void delete(Definition d, String pid, String user) throws IOException, ApiServlet.BadRequest {
        Configuration c = configuration(pid);
        if (c == null || !d.pid().equals(c.getFactoryPid())) {
            throw new ApiServlet.BadRequest(404, "no configuration " + pid + " of " + d.pid() + ": reload the page");
        }
        Dictionary<String, Object> p = c.getProperties();
        if (p != null && Boolean.TRUE.equals(p.get(GENERATED))) {
            throw new ApiServlet.BadRequest(409, pid + " comes from " + p.get(SOURCE) + ": remove it from "
                    + "etc/pigeon.conf");
        }
        Object file = p == null ? null : p.get(FILEINSTALL_FILENAME);
        c.delete();
        if (file != null) {
            Files.deleteIfExists(Path.of(java.net.URI.create(file.toString())));
        }
        log.info("HTTP console: user '{}' deleted configuration {}{}", user, pid,
                file == null ? "" : " and " + fileOf(file.toString()));
    }
}
