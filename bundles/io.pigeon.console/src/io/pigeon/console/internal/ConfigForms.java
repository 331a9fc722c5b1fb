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
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import io.pigeon.config.ConfigEdit;
import io.pigeon.config.ConfigEditException;
import io.pigeon.config.ConfigProblem;
import io.pigeon.config.ConfigurationFile;

/**
 * Configuration forms drawn from the metatype of the gateway's bundles ({@code io.pigeon.*}), one per PID and per
 * factory PID, and the checks and saves behind them. The JSON the pages get is made of plain maps and lists
 * ({@link #form}); values come back as text or lists of text and are checked against the attribute's type, options,
 * cardinality and the metatype's own {@link AttributeDefinition#validate} (min/max) before anything is stored.
 * <p>
 * Where a configuration comes from decides what saving does:
 * <ul>
 * <li>{@code etc/pigeon.conf} (io.pigeon.config marks those configurations {@value #GENERATED}; it also makes every
 * new listener and bridge): the values go to {@link ConfigurationFile}, which changes only their lines in the file
 * (comments, layout and include_dir files stay), checks the new text with its own parser and applies it as a hand
 * edit would, so the file stays the one place each of these settings is kept. The values are the file's words, so
 * the parser, not the metatype, judges them, and its refusal (file, line, fix) is shown on the field. The form
 * carries the file's version: a save after someone changed the file on disk is refused instead of undoing that
 * edit.</li>
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

    /**
     * One form: a PID or factory PID and its object class definition. Several bundles may describe parts of one PID
     * (io.pigeon.broker: the broker, the store, the client authentication), each with its own form.
     */
    record Definition(String pid, boolean factory, Bundle bundle, ObjectClassDefinition ocd) {
    }

    /** What a save did: the configuration's PID (a listener's changes with its port) and notes for the user. */
    record Saved(String pid, List<String> notes) {
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

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ConfigurationFile file;

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
        return definition(pid, null);
    }

    /** The form of {@code pid} from {@code bundle} (a symbolic name), or the first bundle's when it is null. */
    Definition definition(String pid, String bundle) throws ApiServlet.BadRequest {
        for (Definition d : definitions()) {
            if (d.pid().equals(pid) && (bundle == null || bundle.equals(d.bundle().getSymbolicName()))) {
                return d;
            }
        }
        throw new ApiServlet.BadRequest(404, "no configurable component " + pid + (bundle == null ? "" : " in "
                + bundle) + " (GET /api/settings lists them)");
    }

    /** Whether etc/pigeon.conf keeps this definition's configurations (it makes them, or would make a new one). */
    boolean inPigeonConf(Definition d, Configuration c) {
        Dictionary<String, Object> p = c == null ? null : c.getProperties();
        if (p != null) {
            return Boolean.TRUE.equals(p.get(GENERATED));
        }
        return (d.factory() ? ConfigurationFile.FACTORY_PIDS : ConfigurationFile.PIDS).contains(d.pid());
    }

    /** The configuration file service when it can change etc/pigeon.conf, else null. */
    private ConfigurationFile editableFile() {
        ConfigurationFile f = file;
        return f != null && f.path().isPresent() ? f : null;
    }

    /** Why a pigeon.conf form cannot be saved from here, or null when it can. */
    private String whyNotEditable(Definition d, Configuration c) {
        if (!(d.factory() ? ConfigurationFile.FACTORY_PIDS : ConfigurationFile.PIDS).contains(d.pid())) {
            Object source = c == null || c.getProperties() == null ? null : c.getProperties().get(SOURCE);
            return "set in " + source + ": edit etc/pigeon.conf there (the gateway applies the file when it is saved)";
        }
        if (file == null) {
            return "the configuration file service (bundle io.pigeon.config) is not running: edit etc/pigeon.conf"
                    + " by hand; the gateway applies it when it is saved";
        }
        if (file.path().isEmpty()) {
            return "the gateway runs without a configuration file (it was started without --config), on embedded"
                    + " defaults";
        }
        return null;
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
            m.put("pigeonConf", confPids.contains(d.pid()) || (d.factory() ? ConfigurationFile.FACTORY_PIDS
                    : ConfigurationFile.PIDS).contains(d.pid()) && editableFile() != null);
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
        m.put("bundle", d.bundle().getSymbolicName());
        Map<String, Object> origin = c == null ? Map.of("kind", "new") : origin(c);
        m.put("origin", origin);
        boolean fromConf = "pigeon.conf".equals(origin.get("kind"));
        boolean inConf = inPigeonConf(d, c) || c == null && pigeonConfPids().contains(d.pid());
        String refusal = inConf ? whyNotEditable(d, c) : null;
        m.put("readOnly", refusal);
        m.put("storage", inConf && refusal == null ? "saved to etc/pigeon.conf line by line (its comments and layout"
                + " stay) and applied at once" : storage(c));
        // a new listener or bridge is named by its port or connection name, not by a configuration name
        m.put("named", !inConf);
        ConfigurationFile conf = editableFile();
        m.put("version", inConf && refusal == null && conf != null ? conf.version() : null);
        Map<String, String> lines = sources(props);
        List<Map<String, Object>> fields = new ArrayList<>();
        Set<String> required = ids(d.ocd().getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
        for (AttributeDefinition ad : attributes(d)) {
            if (inConf && (ad.getID().equals(SOURCE) || ad.getID().equals(SOURCES))) {
                continue; // io.pigeon.config's bookkeeping, shown as the origin of the form and of each field
            }
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
            // a listener's port and a bridge's name are on the section's first line, which is its source
            f.put("origin", fromConf ? lines.getOrDefault(ad.getID(), value != null ? String.valueOf(origin.get(
                    "source")) : "not set in " + origin.get("source") + " (default)") : null);
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
            List<String> texts = sent(values.get(id));
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

    /** The values the page sent for one attribute, as texts without the blank ones (a scalar is a list of one). */
    private static List<String> sent(Object raw) {
        List<String> texts = new ArrayList<>();
        if (raw instanceof List<?> list) {
            for (Object o : list) {
                if (o != null && !o.toString().isBlank()) {
                    texts.add(plain(o));
                }
            }
        } else if (raw != null && !plain(raw).isEmpty()) {
            texts.add(plain(raw));
        }
        return texts;
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
     * itself, or for a factory a configuration named {@code name} (in etc/pigeon.conf: a new listener or connection
     * section, named by its port or connection name).
     *
     * @param version the form's etc/pigeon.conf version, for a configuration kept there
     * @return the stored configuration's PID
     * @throws ApiServlet.BadRequest 409 when etc/pigeon.conf changed since the form was read or cannot be changed
     *                               here, 404 for an unknown PID
     * @throws Invalid when a value is wrong
     */
    Saved save(Definition d, String pid, String name, Map<String, Object> values, String version, String user)
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
        if (inPigeonConf(d, existing) || existing == null && pigeonConfPids().contains(d.pid())) {
            return saveToPigeonConf(d, existing, values, version, user);
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
        return new Saved(target.getPid(), List.of());
    }

    /** A save of a configuration etc/pigeon.conf keeps: its lines change, then the file is applied. */
    private Saved saveToPigeonConf(Definition d, Configuration existing, Map<String, Object> values, String version,
            String user) throws ApiServlet.BadRequest, Invalid {
        String refusal = whyNotEditable(d, existing);
        ConfigurationFile conf = editableFile();
        if (refusal != null || conf == null) {
            throw new ApiServlet.BadRequest(409, refusal != null ? refusal : "etc/pigeon.conf cannot be changed now:"
                    + " reload the page");
        }
        if (version == null) {
            throw new ApiServlet.BadRequest("send the form's version of etc/pigeon.conf (\"version\" in GET"
                    + " /api/settings/form), so a change made to the file meanwhile is not overwritten");
        }
        Map<String, List<String>> texts = fileTexts(d, values, existing == null ? null : existing.getProperties());
        try {
            ConfigEdit edit = existing == null && d.factory() ? conf.add(version, d.pid(), texts)
                    : conf.update(version, existing == null ? d.pid() : existing.getPid(), texts);
            if (edit.changed()) {
                log.info("HTTP console: user '{}' changed {} in {} ({})", user, edit.pid(), String.join(", ",
                        edit.files()), String.join(", ", edit.keys()));
            }
            List<String> notes = new ArrayList<>();
            if (!edit.changed()) {
                notes.add("nothing changed: the file already has these values");
            }
            edit.warnings().forEach(w -> notes.add(w.toString()));
            return new Saved(edit.pid(), notes);
        } catch (ConfigEditException e) {
            throw refusal(e);
        }
    }

    /** A refused etc/pigeon.conf change as the page shows it: the parser's words on the fields they are about. */
    private static ApiServlet.BadRequest refusal(ConfigEditException e) throws Invalid {
        if (e.reason() == ConfigEditException.Reason.INVALID) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (Map.Entry<String, ConfigProblem> entry : e.byKey().entrySet()) {
                fields.put(entry.getKey(), entry.getValue().toString());
            }
            throw new Invalid(e.getMessage(), fields);
        }
        return new ApiServlet.BadRequest(status(e), e.getMessage());
    }

    private static int status(ConfigEditException e) {
        return switch (e.reason()) {
            case NOT_IN_FILE -> 404;
            case IO -> 500;
            default -> 409; // STALE, NO_FILE, INVALID: the request is fine, the file's state refuses it
        };
    }

    /**
     * The values of a pigeon.conf form as the file's words: each attribute the page sent, as texts (a list for one
     * with several values); an attribute not sent is left as it is, an empty one is removed; a password left empty
     * keeps the stored one ({@code .clear} removes it). The parser checks the values, so only the form's shape is
     * checked here.
     */
    Map<String, List<String>> fileTexts(Definition d, Map<String, Object> values, Dictionary<String, Object> existing)
            throws Invalid {
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, List<String>> out = new LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        for (AttributeDefinition ad : attributes(d)) {
            String id = ad.getID();
            known.add(id);
            Object raw = values.get(id);
            boolean clear = Boolean.TRUE.equals(values.get(id + ".clear"));
            if (raw == null && !clear) {
                continue;
            }
            List<String> texts = sent(raw);
            if (ad.getType() == AttributeDefinition.PASSWORD && texts.isEmpty()) {
                if (clear) {
                    out.put(id, List.of());
                }
                continue;
            }
            int cardinality = ad.getCardinality();
            if (cardinality == 0 && texts.size() > 1) {
                errors.put(id, "one value, not " + texts.size());
                continue;
            }
            out.put(id, texts);
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
     * file otherwise). One from etc/pigeon.conf is a listener or connection section, which is removed from the file.
     *
     * @param version the form's etc/pigeon.conf version, for a configuration kept there
     */
    void delete(Definition d, String pid, String version, String user) throws IOException, ApiServlet.BadRequest {
        Configuration c = configuration(pid);
        if (c == null || !d.pid().equals(c.getFactoryPid())) {
            throw new ApiServlet.BadRequest(404, "no configuration " + pid + " of " + d.pid() + ": reload the page");
        }
        Dictionary<String, Object> p = c.getProperties();
        if (inPigeonConf(d, c)) {
            String refusal = whyNotEditable(d, c);
            ConfigurationFile conf = editableFile();
            if (refusal != null || conf == null) {
                throw new ApiServlet.BadRequest(409, refusal != null ? refusal : "etc/pigeon.conf cannot be changed"
                        + " now: reload the page");
            }
            try {
                ConfigEdit edit = conf.remove(version == null ? "" : version, pid);
                log.info("HTTP console: user '{}' removed {} from {}", user, pid, String.join(", ", edit.files()));
            } catch (ConfigEditException e) {
                throw new ApiServlet.BadRequest(status(e), e.getMessage());
            }
            return;
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
