package io.pigeon.client.internal;

import java.util.Dictionary;
import java.util.Hashtable;

import io.pigeon.client.ClientOptions;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The gateway's own connection, configured under PID {@code io.pigeon.client} (embedded defaults without a
 * configuration), registered as an {@link MqttClient} service with {@code pigeon.client.name=gateway}. Each bundle
 * gets its own {@link GatewayClient} view of the one connection.
 * <p>
 * The service is registered by hand, not by DS, so that a configuration that cannot work registers nothing: Felix SCR
 * leaves the service of an immediate component whose activation failed registered, and its users would get null. A
 * refused configuration is logged with the key and the fix.
 * <p>
 * A configuration change re-creates the component (no {@code @Modified}): the connection is closed and opened with the
 * new options, and its users, the whiteboard among them, are bound again and subscribe again.
 */
@Component(configurationPid = GatewayConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {},
        immediate = true)
@Designate(ocd = GatewayConfig.class)
public final class GatewayConnection {

    private final MqttClient client;
    private final ServiceRegistration<?> registration;

    @Activate
    public GatewayConnection(@Reference MqttClients clients, @Reference(service = LoggerFactory.class) Logger log,
            GatewayConfig config, BundleContext context) {
        ClientOptions options;
        try {
            options = GatewayOptions.from(config);
            client = clients.open(options);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage() + " The gateway connection is not started until the configuration is fixed.");
            throw e;
        }
        log.info("Gateway connection '" + options.clientId() + "' to " + String.join(", ", options.servers()));
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(MqttClients.NAME_PROPERTY, MqttClients.GATEWAY);
        registration = context.registerService(MqttClient.class.getName(), new Views(), props);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already unregistered: the bundle is stopping
        }
        client.close();
    }

    /** One {@link GatewayClient} per using bundle, released with the bundle. */
    private final class Views implements ServiceFactory<MqttClient> {
        @Override
        public MqttClient getService(Bundle bundle, ServiceRegistration<MqttClient> reg) {
            return new GatewayClient(client);
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<MqttClient> reg, MqttClient view) {
            ((GatewayClient) view).release();
        }
    }
}
