package io.pigeon.broker.internal;

import java.util.Objects;

import io.pigeon.broker.internal.netty.NettyServer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One listener per factory configuration of {@code io.pigeon.listener}. With no configuration at all,
 * SCR activates one unconfigured instance (policy OPTIONAL), which is the default port 1883 on all
 * interfaces. When the first factory configuration arrives, SCR replaces that instance; because the
 * broker shares sockets by address and port, the hand-over of port 1883 never fails with "address in
 * use", whichever instance SCR activates first.
 */
@Component(configurationPid = ListenerConfig.FACTORY_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {}, immediate = true)
@Designate(ocd = ListenerConfig.class, factory = true)
public final class ListenerComponent {

    private final ListenerRegistry registry;
    private ListenerConfig config;
    private NettyServer.Handle handle;

    @Activate
    public ListenerComponent(@Reference ListenerRegistry registry, ListenerConfig config) {
        this.registry = registry;
        this.config = config;
        this.handle = open(config);
    }

    @Modified
    void modified(ListenerConfig next) {
        if (config.port() == next.port() && Objects.equals(config.bind_address(), next.bind_address())
                && Objects.equals(config.protocol(), next.protocol())) {
            handle.maxConnections(next.max_connections());
            handle.settings(ListenerSettings.from(next, where(next)));
        } else {
            NettyServer.Handle old = handle;
            handle = open(next);
            old.close();
        }
        config = next;
    }

    @Deactivate
    void deactivate() {
        handle.close();
    }

    private static String where(ListenerConfig c) {
        return c.config_source().isEmpty() ? "configuration " + ListenerConfig.FACTORY_PID : c.config_source();
    }

    private NettyServer.Handle open(ListenerConfig c) {
        String where = where(c);
        ListenerSettings settings = ListenerSettings.from(c, where);
        if (!"mqtt".equalsIgnoreCase(c.protocol())) {
            throw new IllegalArgumentException(where + ": protocol " + c.protocol()
                    + " is not supported yet; use 'protocol mqtt' or remove the line");
        }
        if (c.port() < 0 || c.port() > 65535) {
            throw new IllegalArgumentException(where + ": listener port " + c.port() + " is not valid; use 0 to 65535");
        }
        return registry.open(c.bind_address(), c.port(), c.max_connections(), settings);
    }
}
