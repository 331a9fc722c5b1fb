package io.pigeon.client.internal;

import static io.pigeon.client.internal.Inbox.message;
import static io.pigeon.client.internal.Osgi.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/** The gateway's own connection: PID io.pigeon.client, its defaults, live changes and refused configurations. */
class GatewayTest {

    private static final String GATEWAY = "(" + MqttClients.NAME_PROPERTY + "=" + MqttClients.GATEWAY + ")";

    private Configuration config;

    @AfterEach
    void deleteConfiguration() throws Exception {
        if (config != null) {
            config.delete();
            String defaultId = "pigeon-" + GatewayOptions.hostname();
            waitFor(() -> Osgi.registered(MqttClient.class, GATEWAY) && defaultId.equals(clientId()),
                    "the default gateway connection is back");
        }
    }

    private Configuration configuration() throws Exception {
        config = Osgi.service(ConfigurationAdmin.class, null).getConfiguration(GatewayConfig.PID, "?");
        return config;
    }

    @Test
    void withoutConfigurationItConnectsToTheEmbeddedBrokerAsPigeonHostname() throws Exception {
        MqttClient gateway = Osgi.service(MqttClient.class, GATEWAY);
        ClientOptions options = gateway.options();
        assertEquals(List.of(ClientOptions.EMBEDDED), options.servers());
        assertEquals("pigeon-" + GatewayOptions.hostname(), options.clientId());
        Message will = options.will();
        assertNotNull(will, "the gateway connection has a last will by default");
        assertEquals("pigeon/" + GatewayOptions.gatewayId() + "/status", will.topic());
        assertEquals("offline", Inbox.text(will));
        assertEquals(1, will.qos());
        assertTrue(will.retain(), "the will is retained");
        gateway.connected().toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertEquals(ConnectionState.CONNECTED, gateway.state());

        Inbox inbox = new Inbox();
        try (var sub = Osgi.service(Broker.class, null).subscribe("gateway/out", 1, inbox)) {
            gateway.publish(message("gateway/out", "hi", 1)).toCompletableFuture().get(Osgi.TIMEOUT_MS,
                    TimeUnit.MILLISECONDS);
            assertEquals("hi", inbox.takeText());
        }
    }

    @Test
    void aConfigurationChangeReopensTheConnectionAndKeepsThePasswordPrivate() throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("client.id", "configured-id");
        props.put("will.topic", "gateway/status");
        props.put("will.payload", "offline");
        props.put("offline.drop.policy", "drop_newest");
        props.put(".password", "s3cret");
        configuration().update(props);
        waitFor(() -> clientId().equals("configured-id"), "the configured client id applies");
        MqttClient gateway = Osgi.service(MqttClient.class, GATEWAY);
        assertEquals("offline", Inbox.text(gateway.options().will()));
        assertEquals("s3cret", gateway.options().password());
        assertEquals(ClientOptions.DropPolicy.DROP_NEWEST, gateway.options().offlineDropPolicy());
        for (ServiceReference<?> r : Osgi.context().getServiceReferences((String) null, null)) {
            for (String key : r.getPropertyKeys()) {
                assertFalse(String.valueOf(r.getProperty(key)).contains("s3cret"), "service property " + key);
            }
        }
    }

    @Test
    void anEmptyWillTopicTurnsTheWillOff() throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("client.id", "without-will");
        props.put("will.topic", "");
        configuration().update(props);
        waitFor(() -> clientId().equals("without-will"), "the configuration applies");
        assertNull(Osgi.service(MqttClient.class, GATEWAY).options().will());
    }

    @Test
    void aConfigurationThatCannotWorkIsRefusedWithTheKeyAndTheFix() throws Exception {
        LogReaderService reader = Osgi.service(LogReaderService.class, null);
        List<String> errors = new CopyOnWriteArrayList<>();
        LogListener listener = e -> {
            if (e.getLogLevel() == LogLevel.ERROR && e.getMessage() != null) {
                errors.add(e.getMessage());
            }
        };
        reader.addLogListener(listener);
        try {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("offline.drop.policy", "SOMETIMES");
            configuration().update(props);
            waitFor(() -> !Osgi.registered(MqttClient.class, GATEWAY), "the refused configuration removes the service");
            String line = line(errors, "offline_drop_policy");
            assertTrue(line.contains("io.pigeon.client") && line.contains("SOMETIMES") && line.contains("DROP_OLDEST"),
                    line);

            props.put("offline.drop.policy", "DROP_OLDEST");
            props.put("servers", new String[] {"mqtt://", "embedded"});
            config.update(props);
            String servers = line(errors, "servers = 'mqtt://,embedded'");
            assertTrue(servers.contains("write it as mqtt://host:1883"), servers);
            assertFalse(Osgi.registered(MqttClient.class, GATEWAY));
        } finally {
            reader.removeLogListener(listener);
        }
    }

    @Test
    void aBundlesSubscriptionsEndWhenItStops() throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        manifest.getMainAttributes().putValue("Bundle-SymbolicName", "io.pigeon.client.viewprobe");
        ByteArrayOutputStream jar = new ByteArrayOutputStream();
        new JarOutputStream(jar, manifest).close();
        Bundle user = Osgi.context().installBundle("probe:view", new ByteArrayInputStream(jar.toByteArray()));
        try {
            user.start();
            BundleContext userContext = user.getBundleContext();
            ServiceReference<MqttClient> ref = userContext.getServiceReferences(MqttClient.class, GATEWAY).iterator()
                    .next();
            MqttClient view = userContext.getService(ref);
            MqttClient ours = Osgi.service(MqttClient.class, GATEWAY);
            assertNotSame(ours, view, "each bundle has its own view");
            Inbox inbox = new Inbox();
            view.subscribe("gateway/view", 1, inbox).toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Broker broker = Osgi.service(Broker.class, null);
            broker.publish(message("gateway/view", "one", 1));
            assertEquals("one", inbox.takeText());

            user.stop();
            broker.publish(message("gateway/view", "two", 1));
            assertNull(inbox.poll(200), "the stopped bundle's handler is not called again");
            assertEquals(ConnectionState.CONNECTED, ours.state(), "the shared connection stays");
            view.close();
        } finally {
            user.uninstall();
        }
    }

    @Test
    void aRemoteGatewayConnectionCarriesTheWhiteboardAndClosesWithoutItsWill(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Mosquitto.BINARY), "mosquitto is installed");
        try (Mosquitto central = new Mosquitto(dir, "allow_anonymous true").start()) {
            MqttClient watcher = Osgi.service(MqttClients.class, null).open(ClientOptions.builder(central.uri())
                    .clientId("watcher").build());
            try {
                watcher.connected().toCompletableFuture().get(Osgi.TIMEOUT_MS, TimeUnit.MILLISECONDS);
                Inbox status = new Inbox();
                watcher.subscribe("gw/status", 1, status).toCompletableFuture().get(Osgi.TIMEOUT_MS,
                        TimeUnit.MILLISECONDS);

                Dictionary<String, Object> props = new Hashtable<>();
                props.put("servers", new String[] {central.uri()});
                props.put("client.id", "gw-remote");
                props.put("will.topic", "gw/status");
                props.put("will.payload", "offline");
                props.put("will.retain", true);
                configuration().update(props);
                waitFor(() -> clientId().equals("gw-remote"), "the gateway connects to the central broker");

                Inbox handler = new Inbox();
                Dictionary<String, Object> handlerProps = new Hashtable<>();
                handlerProps.put(MqttClients.TOPIC_PROPERTY, "central/#");
                handlerProps.put(MqttClients.QOS_PROPERTY, 1);
                ServiceRegistration<MessageHandler> reg = Osgi.context().registerService(MessageHandler.class,
                        handler, handlerProps);
                try {
                    waitFor(() -> {
                        watcher.publish(message("central/cmd", "from central", 1));
                        try {
                            return handler.poll(100) != null;
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }, "a whiteboard handler receives from the central broker through the gateway connection");
                } finally {
                    reg.unregister();
                }
                MqttClient gateway = Osgi.service(MqttClient.class, GATEWAY);
                gateway.publish(message("gw/status", "online", 1)).toCompletableFuture().get(Osgi.TIMEOUT_MS,
                        TimeUnit.MILLISECONDS);
                assertEquals("online", status.takeText());

                config.delete();
                config = null;
                String defaultId = "pigeon-" + GatewayOptions.hostname();
                waitFor(() -> Osgi.registered(MqttClient.class, GATEWAY) && defaultId.equals(clientId()),
                        "the gateway is back on the embedded broker");
                assertNull(status.poll(500), "a configuration change closes the connection normally: no will");
            } finally {
                watcher.close();
            }
        }
    }

    private static String clientId() {
        try {
            return Osgi.service(MqttClient.class, GATEWAY).options().clientId();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The first line in {@code lines} that contains {@code text}, waiting for it. */
    private static String line(List<String> lines, String text) throws Exception {
        waitFor(() -> lines.stream().anyMatch(l -> l.contains(text)), "an error logged about " + text + " in " + lines);
        return lines.stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }
}
