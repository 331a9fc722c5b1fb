package io.pigeon.broker.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import io.pigeon.broker.Broker;
import io.pigeon.broker.BrokerListener;
import io.pigeon.broker.internal.netty.NettyServer;
import io.pigeon.broker.internal.netty.Transport;
import io.pigeon.broker.internal.sys.SysTopics;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.DurableStore;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The broker's lifecycle in OSGi: builds the core and the event loops from the {@code io.pigeon.broker}
 * configuration (defaults without one), registers the {@link Broker} service and the internal
 * {@link ListenerRegistry}, and applies configuration changes live.
 * <p>
 * The services are registered by hand rather than by DS so that the {@code pigeon.listeners} property
 * can follow the listeners as they open and close.
 */
@Component(configurationPid = BrokerConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {},
        immediate = true)
@Designate(ocd = BrokerConfig.class)
public final class BrokerComponent {

    static final String VERSION = "0.1.0";

    @Reference(service = LoggerFactory.class)
    private Logger log;

    /*
     * Static and greedy: the broker restarts when a durable store appears or goes (persistence switched on or
     * off, the store bundle updated), because sessions are read from the store only at start.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private DurableStore store;

    private volatile MqttBroker broker;
    private volatile Authenticator authenticator;
    private volatile Authorizer authorizer;
    private final List<BrokerListener> pendingListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private NettyServer server;
    private SysTopics sys;
    private ServiceRegistration<Broker> brokerRegistration;
    private ServiceRegistration<ListenerRegistry> listenerRegistration;

    @Activate
    void activate(BrokerConfig config, BundleContext context) {
        BrokerSettings settings;
        try {
            settings = BrokerSettings.from(config);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage() + " The broker is not started.");
            throw e;
        }
        MqttBroker b = new MqttBroker(settings, log, System::nanoTime);
        b.store(store);
        b.authenticator(authenticator);
        b.authorizer(authorizer);
        pendingListeners.forEach(b.events()::add);
        Transport transport = Transport.best();
        int loops = Runtime.getRuntime().availableProcessors();
        server = new NettyServer(b, transport, loops, this::listenersChanged);
        b.listenersSource(server::listeners);
        String restored;
        try {
            restored = b.load(server.anyLoop());
        } catch (RuntimeException e) {
            server.shutdown();
            log.error("The broker could not read its durable store, so it is not started: " + e
                    + ". Check persistence_location in etc/pigeon.conf, or set persistence false to run without it.");
            throw e;
        }
        broker = b;
        sys = new SysTopics(b, server.anyLoop(), VERSION, () -> context.getBundles().length);
        sys.start(settings.sysIntervalSeconds());
        ListenerRegistry registry = (bind, port, max, listener) -> server.open(bind, port,
                max == -1 ? broker.settings().maxConnections() : max, listener);
        listenerRegistration = context.registerService(ListenerRegistry.class, registry, null);
        brokerRegistration = context.registerService(Broker.class, b, listenerProperties());
        log.info("MQTT broker core ready (" + transport.name() + ", " + loops + (loops == 1 ? " event loop); "
                : " event loops); ") + restored + "; listeners open as their configurations arrive");
    }

    @Modified
    void modified(BrokerConfig config) {
        BrokerSettings next;
        try {
            next = BrokerSettings.from(config);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage() + " The previous settings stay in effect.");
            return;
        }
        BrokerSettings before = broker.settings();
        if (next.equals(before)) {
            return;
        }
        broker.settings(next);
        if (next.sysIntervalSeconds() != before.sysIntervalSeconds()) {
            sys.start(next.sysIntervalSeconds());
        }
        if (next.maxPacketSize() != before.maxPacketSize()) {
            log.info("max_packet_size " + next.maxPacketSize() + " applies to new connections");
        }
        log.info("Broker settings updated without restarting");
    }

    @Deactivate
    void deactivate() {
        if (listenerRegistration != null) {
            listenerRegistration.unregister();
        }
        if (brokerRegistration != null) {
            brokerRegistration.unregister();
            brokerRegistration = null;
        }
        sys.stop();
        server.shutdown();
        broker.sessions().releaseAll();
        log.info("MQTT broker core stopped");
    }

    private Dictionary<String, Object> listenerProperties() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Broker.LISTENERS_PROPERTY, server.listeners().toArray(new String[0]));
        props.put("pigeon.transport", server.transportName());
        return props;
    }

    private void listenersChanged() {
        ServiceRegistration<Broker> reg = brokerRegistration;
        if (reg != null) {
            try {
                reg.setProperties(listenerProperties());
            } catch (IllegalStateException e) {
                // unregistered concurrently during shutdown
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setAuthenticator(Authenticator a) {
        authenticator = a;
        MqttBroker b = broker;
        if (b != null) {
            b.authenticator(a);
        }
    }

    void unsetAuthenticator(Authenticator a) {
        if (authenticator == a) {
            setAuthenticator(null);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setAuthorizer(Authorizer a) {
        authorizer = a;
        MqttBroker b = broker;
        if (b != null) {
            b.authorizer(a);
        }
    }

    void unsetAuthorizer(Authorizer a) {
        if (authorizer == a) {
            setAuthorizer(null);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBrokerListener(BrokerListener l) {
        pendingListeners.add(l);
        MqttBroker b = broker;
        if (b != null) {
            b.events().add(l);
        }
    }

    void removeBrokerListener(BrokerListener l) {
        pendingListeners.remove(l);
        MqttBroker b = broker;
        if (b != null) {
            b.events().remove(l);
        }
    }
}
