package io.pigeon.broker.internal;

import java.util.Map;
import java.util.Objects;

import io.pigeon.broker.internal.netty.NettyServer;

import org.osgi.framework.Constants;
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
 * One listener per factory configuration of {@code io.pigeon.listener}. With no configuration at all,
 * SCR activates one unconfigured instance (policy OPTIONAL), which is the default port 1883 on all
 * interfaces. When the first factory configuration arrives, SCR replaces that instance; because the
 * broker shares sockets by address and port, the hand-over of port 1883 never fails with "address in
 * use", whichever instance SCR activates first.
 * <p>
 * A port that cannot be bound (another broker holds it) is logged with what to do, and the component stays
 * active without a socket: SCR then still replaces it when a configuration arrives, and an edit of it tries
 * again. Throwing from activation instead would leave the unconfigured default instance failed, and Felix SCR
 * would not apply later factory configurations of this component at all.
 * <p>
 * A bad edit (a TLS key that does not match its certificate, say) is refused: the error is logged with the
 * place in pigeon.conf and the listener keeps running with its previous settings. Connections keep the
 * settings they opened with; the protocol, TLS and limits of an edit apply to new connections.
 */
@Component(configurationPid = ListenerConfig.FACTORY_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {}, immediate = true)
@Designate(ocd = ListenerConfig.class, factory = true)
public final class ListenerComponent {

    private final ListenerRegistry registry;
    private final Logger log;
    private final String name;
    private ListenerConfig config;
    private NettyServer.Handle handle;

    @Activate
    public ListenerComponent(@Reference ListenerRegistry registry,
            @Reference(service = LoggerFactory.class) Logger log, ListenerConfig config, Map<String, Object> properties) {
        this.registry = registry;
        this.log = log;
        // the factory configuration's PID (ConfigurationAdmin.SERVICE_FACTORYPID marks one); none for the default
        Object pid = properties.get(Constants.SERVICE_PID);
        this.name = properties.get("service.factoryPid") != null && pid instanceof String s ? s : "";
        this.config = config;
        ListenerSettings settings;
        try {
            settings = settings(config);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage() + " This listener is not opened.");
            throw e;
        }
        this.handle = openOrLog(config, settings);
    }

    @Modified
    void modified(ListenerConfig next) {
        ListenerSettings settings;
        try {
            settings = settings(next);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage() + " The listener keeps its previous settings.");
            return;
        }
        if (handle == null) {
            handle = openOrLog(next, settings);
        } else if (config.port() == next.port() && Objects.equals(config.bind_address(), next.bind_address())) {
            handle.maxConnections(next.max_connections());
            handle.settings(settings);
        } else {
            NettyServer.Handle old = handle;
            try {
                handle = open(next, settings);
            } catch (IllegalStateException e) {
                log.error(e.getMessage() + " The listener stays on its previous port.");
                return;
            }
            old.close();
        }
        config = next;
    }

    @Deactivate
    void deactivate() {
        if (handle != null) {
            handle.close();
        }
    }

    /** The listener, or null when its port cannot be bound (logged with what to do). */
    private NettyServer.Handle openOrLog(ListenerConfig c, ListenerSettings settings) {
        try {
            return open(c, settings);
        } catch (IllegalStateException e) {
            log.error(where(c) + ": " + e.getMessage() + ". This listener is not open; the rest of the broker runs.");
            return null;
        }
    }

    private static String where(ListenerConfig c) {
        return c.config_source().isEmpty() ? "configuration " + ListenerConfig.FACTORY_PID : c.config_source();
    }

    private ListenerSettings settings(ListenerConfig c) {
        ListenerSettings settings = ListenerSettings.from(c, where(c), name);
        if (c.port() < 0 || c.port() > 65535) {
            throw new IllegalArgumentException(where(c) + ": listener port " + c.port()
                    + " is not valid; use 0 to 65535");
        }
        if (settings.tls() != null && settings.tls().certificate().getNotAfter().getTime()
                < System.currentTimeMillis()) {
            log.warn(where(c) + ": the certificate " + settings.tls().describe() + " has expired; clients will refuse"
                    + " it. Renew it (certbot renew) or make a new one.");
        }
        return settings;
    }

    private NettyServer.Handle open(ListenerConfig c, ListenerSettings settings) {
        return registry.open(c.bind_address(), c.port(), c.max_connections(), settings);
    }
}
