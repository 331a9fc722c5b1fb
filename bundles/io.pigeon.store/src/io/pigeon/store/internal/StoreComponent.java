package io.pigeon.store.internal;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import io.pigeon.broker.spi.DurableStore;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Opens the durable store when {@code persistence} is true (the default) and registers it as the broker's
 * {@link DurableStore}; with {@code persistence false} it registers nothing and the broker keeps everything in
 * memory. The service is registered by hand so that it exists only while the file is open; a change of
 * {@code persistence}, {@code persistence_location} or {@code persistence_file} closes the store and opens the new
 * one (the broker restarts with it).
 */
@Component(configurationPid = StoreConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {},
        immediate = true)
@Designate(ocd = StoreConfig.class)
public final class StoreComponent {

    /** The framework property the launcher sets to the installation directory. */
    static final String HOME_PROPERTY = "pigeon.home";
    /** Service property of the registered store: the path of its file. */
    static final String FILE_PROPERTY = "pigeon.store.file";

    private final Logger log;
    private final BundleContext context;
    private Path opened;
    private MvDurableStore store;
    private ServiceRegistration<DurableStore> registration;

    @Activate
    public StoreComponent(StoreConfig config, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        this.context = context;
        apply(config);
    }

    @Modified
    void modified(StoreConfig config) {
        Path next = config.persistence() ? location(config) : null;
        if (next == null ? opened == null : next.equals(opened)) {
            return;
        }
        stop();
        apply(config);
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    private void apply(StoreConfig config) {
        if (!config.persistence()) {
            log.info("persistence false: persistent sessions and retained messages are kept in memory only and are "
                    + "lost when Pigeon stops");
            return;
        }
        Path file = location(config);
        if (file == null) {
            return;
        }
        MvDurableStore s = new MvDurableStore(file, log);
        try {
            s.open();
        } catch (IOException | RuntimeException e) {
            log.error("The durable store " + file + " could not be opened (" + e.getMessage() + "). The broker runs "
                    + "without it: persistent sessions and retained messages are not kept across restarts. Fix "
                    + "persistence_location" + where(config) + " or the directory's permissions, or set persistence "
                    + "false.");
            return;
        }
        store = s;
        opened = file;
        registration = context.registerService(DurableStore.class, s,
                new java.util.Hashtable<>(java.util.Map.of(FILE_PROPERTY, file.toString())));
        log.info("Durable store " + file + " open: QoS 1/2 messages are acknowledged once they are on disk");
    }

    private void stop() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
        opened = null;
    }

    private Path location(StoreConfig config) {
        String dir = config.persistence_location();
        String name = config.persistence_file();
        try {
            Path base;
            if (dir == null || dir.isBlank()) {
                String home = context.getProperty(HOME_PROPERTY);
                if (home != null && !home.isBlank()) {
                    base = Path.of(home, "data");
                } else {
                    // not the product (tests, another launcher): the framework's storage area for this bundle
                    java.io.File area = context.getDataFile("");
                    base = area == null ? Path.of("data") : area.toPath();
                }
            } else {
                base = Path.of(dir);
            }
            if (name == null || name.isBlank() || name.contains("/")) {
                log.error("persistence_file '" + name + "'" + where(config) + " must be a file name without '/'; "
                        + "put the directory in persistence_location. The broker runs without a durable store.");
                return null;
            }
            return base.resolve(name).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            log.error("persistence_location '" + dir + "'" + where(config) + " is not a valid path (" + e.getReason()
                    + "). The broker runs without a durable store.");
            return null;
        }
    }

    private static String where(StoreConfig config) {
        String source = config.config_source();
        return source == null || source.isBlank() ? " (configuration " + StoreConfig.PID + ")" : " (" + source + ")";
    }
}
