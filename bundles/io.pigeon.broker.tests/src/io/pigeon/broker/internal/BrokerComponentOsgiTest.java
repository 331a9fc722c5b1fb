package io.pigeon.broker.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;

import io.pigeon.broker.Broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * DS wiring inside the OSGi test runtime: the Broker service with its pigeon.listeners property, a
 * listener factory configuration, and a live change of the broker configuration. Skipped when the
 * tests run outside OSGi (plain JUnit launcher).
 */
class BrokerComponentOsgiTest {

    private BundleContext context;
    private ServiceTracker<Broker, Broker> brokers;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmins;
    private Configuration listener;
    private Configuration brokerConfig;

    @BeforeEach
    void setUp() {
        Bundle bundle = FrameworkUtil.getBundle(BrokerComponentOsgiTest.class);
        assumeTrue(bundle != null, "not running inside OSGi");
        context = bundle.getBundleContext();
        brokers = new ServiceTracker<>(context, Broker.class, null);
        brokers.open();
        configAdmins = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        configAdmins.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (listener != null) {
            listener.delete();
        }
        if (brokerConfig != null) {
            brokerConfig.delete();
        }
        if (brokers != null) {
            brokers.close();
            configAdmins.close();
        }
    }

    @Test
    void listenerConfigurationOpensAPortAndLiveChangesKeepTheBroker() throws Exception {
        Broker broker = brokers.waitForService(10_000);
        assertNotNull(broker, "Broker service registered");
        ConfigurationAdmin ca = configAdmins.waitForService(10_000);
        assertNotNull(ca, "ConfigurationAdmin available");
        boolean defaultListener = hasListener(DEFAULT_URI) || waitForListenerOrNull(DEFAULT_URI) != null;
        if (!defaultListener) {
            assertTrue(portTakenElsewhere(1883), "no configuration: the broker must listen on 1883, and 1883 is free");
        }

        listener = ca.createFactoryConfiguration(ListenerConfig.FACTORY_PID, "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("port", 0);
        props.put("bind.address", "127.0.0.1");
        listener.update(props);
        String uri = waitForListener("mqtt://127.0.0.1:");
        int port = Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
        assertTrue(port > 0);
        assertTrue(broker.listeners().contains(uri), broker.listeners().toString());
        if (defaultListener) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hasListener(DEFAULT_URI) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(!hasListener(DEFAULT_URI), "a configured listener replaces the default 1883 one: "
                    + broker.listeners());
        }

        brokerConfig = ca.getConfiguration(BrokerConfig.PID, "?");
        Dictionary<String, Object> bp = new Hashtable<>();
        bp.put("max.qos", 1);
        brokerConfig.update(bp);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        byte[] connack = null;
        while (System.nanoTime() < deadline) {
            connack = connectV5(port);
            if (connack.length > 3 && contains(connack, new byte[] {0x24, 0x01})) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(contains(connack, new byte[] {0x24, 0x01}), "CONNACK announces Maximum QoS 1: "
                + Arrays.toString(connack));
        assertSame(broker, brokers.getService(), "configuration change did not restart the broker");
    }

    /**
     * Another program holds 1883 (Mosquitto's Debian service, say) when the broker starts: the default listener
     * cannot open, and a listener configuration that arrives afterwards must still open.
     */
    @Test
    void aBusyDefaultPortDoesNotBlockLaterListenerConfigurations() throws Exception {
        // the tests are a fragment of the broker: stopping the broker ends this bundle's context, so this test
        // watches through the system bundle's
        BundleContext system = context.getBundle(0).getBundleContext();
        Bundle brokerBundle = context.getBundle();
        ServiceTracker<Broker, Broker> brokerTracker = new ServiceTracker<>(system, Broker.class, null);
        ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> caTracker =
                new ServiceTracker<>(system, ConfigurationAdmin.class, null);
        brokerTracker.open();
        caTracker.open();
        java.net.ServerSocket holder = null;
        Configuration configured = null;
        try {
            ConfigurationAdmin ca = caTracker.waitForService(10_000);
            assertNotNull(ca, "ConfigurationAdmin available");
            brokers.close();
            brokers = brokerTracker;
            brokerBundle.stop();
            if (!portTakenElsewhere(1883)) {
                holder = new java.net.ServerSocket(1883);
            }
            brokerBundle.start();
            Broker broker = brokerTracker.waitForService(10_000);
            assertNotNull(broker, "the broker runs although 1883 is taken");
            assertTrue(!hasListener(DEFAULT_URI), "1883 is held by someone else: " + broker.listeners());

            configured = ca.createFactoryConfiguration(ListenerConfig.FACTORY_PID, "?");
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("port", 0);
            props.put("bind.address", "127.0.0.1");
            configured.update(props);
            String uri = waitForListener("mqtt://127.0.0.1:");
            byte[] connack = connectV5(Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1)));
            assertTrue(connack.length >= 2 && connack[1] == 0, "CONNACK 0 (success) from the configured listener: "
                    + Arrays.toString(connack));
        } finally {
            if (holder != null) {
                holder.close();
            }
            if (configured != null) {
                configured.delete();
            }
            if (brokerBundle.getState() != Bundle.ACTIVE) {
                brokerBundle.start();
            }
            brokerTracker.close();
            caTracker.close();
            brokers = null;
        }
    }

    private static final String DEFAULT_URI = "mqtt://0.0.0.0:1883";

    private boolean hasListener(String uri) {
        ServiceReference<Broker> ref = brokers.getServiceReference();
        return ref != null && ref.getProperty(Broker.LISTENERS_PROPERTY) instanceof String[] uris
                && Arrays.asList(uris).contains(uri);
    }

    private String waitForListenerOrNull(String prefix) throws InterruptedException {
        try {
            return waitForListener(prefix);
        } catch (AssertionError e) {
            return null;
        }
    }

    private static boolean portTakenElsewhere(int port) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(port)) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private String waitForListener(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ServiceReference<Broker> ref = brokers.getServiceReference();
            if (ref != null && ref.getProperty(Broker.LISTENERS_PROPERTY) instanceof String[] uris) {
                for (String u : uris) {
                    if (u.startsWith(prefix)) {
                        return u;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no listener " + prefix + "* in " + Broker.LISTENERS_PROPERTY);
    }

    private static byte[] connectV5(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 5, 2, 0, 60, 0, 0, 3, 'o', 's', 'g'});
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertEquals(0x20, in.readUnsignedByte());
            byte[] body = new byte[in.readUnsignedByte()];
            in.readFully(body);
            assertArrayEquals(new byte[] {0, 0}, Arrays.copyOf(body, 2), "session present 0, reason 0");
            return body;
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null) {
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
