package io.pigeon.config.internal;

import static io.pigeon.config.internal.GeneratedConfig.GENERATED;
import static io.pigeon.config.internal.GeneratedConfig.SOURCE;
import static io.pigeon.config.internal.GeneratedConfig.SOURCES;

import java.io.IOException;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.Logger;

/**
 * Applies generated configurations to Configuration Admin: creates, updates and deletes only configurations marked
 * {@code pigeon.generated}, and leaves alone a configuration whose settings did not change, so its component is not
 * restarted. Runs on the thread that reloads (serialized by the caller).
 */
final class ConfigWriter {

    /** Keys that do not count as a change: a line moving in the file must not restart a listener. */
    private static final Set<String> IGNORED = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, SOURCE, SOURCES);

    private final ConfigurationAdmin configAdmin;
    private final Logger log;

    ConfigWriter(ConfigurationAdmin configAdmin, Logger log) {
        this.configAdmin = configAdmin;
        this.log = log;
    }

    /** @return the number of configurations created, updated or deleted */
    int apply(List<GeneratedConfig> wanted) throws IOException {
        Map<String, Configuration> existing = new HashMap<>();
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + GENERATED + "=true)");
            if (found != null) {
                for (Configuration configuration : found) {
                    existing.put(configuration.getPid(), configuration);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        int changes = 0;
        Set<String> kept = new HashSet<>();
        for (GeneratedConfig config : wanted) {
            kept.add(config.pid());
            Configuration target = existing.get(config.pid());
            if (target == null) {
                target = config.factoryPid() == null ? configAdmin.getConfiguration(config.name(), "?")
                        : configAdmin.getFactoryConfiguration(config.factoryPid(), config.name(), "?");
                Dictionary<String, Object> current = target.getProperties();
                if (current != null && !Boolean.TRUE.equals(current.get(GENERATED))) {
                    log.warn("Configuration {} is set outside {} (for example by a .cfg file), so the file's settings"
                            + " for it are not applied. Keep one source for each setting: remove the other one.",
                            config.pid(), config.properties().get(SOURCE));
                    continue;
                }
            }
            if (!sameSettings(target.getProperties(), config.properties())) {
                target.update(new Hashtable<>(config.properties()));
                changes++;
            }
        }
        for (Map.Entry<String, Configuration> entry : existing.entrySet()) {
            if (!kept.contains(entry.getKey())) {
                entry.getValue().delete();
                changes++;
            }
        }
        return changes;
    }

    static boolean sameSettings(Dictionary<String, Object> current, Map<String, Object> wanted) {
        if (current == null) {
            return false;
        }
        Map<String, Object> have = new HashMap<>();
        for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (!IGNORED.contains(key)) {
                have.put(key, current.get(key));
            }
        }
        Map<String, Object> want = new HashMap<>(wanted);
        want.keySet().removeAll(IGNORED);
        if (!have.keySet().equals(want.keySet())) {
            return false;
        }
        for (Map.Entry<String, Object> entry : want.entrySet()) {
            if (!Arrays.deepEquals(new Object[] {entry.getValue()}, new Object[] {have.get(entry.getKey())})) {
                return false;
            }
        }
        return true;
    }
}
