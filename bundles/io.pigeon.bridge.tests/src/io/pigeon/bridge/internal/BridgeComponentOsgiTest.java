package io.pigeon.bridge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.pigeon.bridge.Bridge;
import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.Subscription;

/**
 * The bridge as DS runs it in Equinox: a factory configuration of PID io.pigeon.bridge (as io.pigeon.config writes
 * it) starts a bridge, registered as a Bridge service named after the section; deleting it stops the bridge. The
 * upstream is this runtime's own broker on a loopback listener, reached over TCP by the client service.
 */
class BridgeComponentOsgiTest {

    private BundleContext context;
    private ServiceTracker<Broker, Broker> brokers;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmins;
    private ServiceTracker<Bridge, Bridge> bridges;
    private Configuration listener;
    private Configuration bridgeConfig;

    @BeforeEach
    void setUp() {
        context = FrameworkUtil.getBundle(BridgeComponentOsgiTest.class).getBundleContext();
        brokers = new ServiceTracker<>(context, Broker.class, null);
        brokers.open();
        configAdmins = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        configAdmins.open();
        bridges = new ServiceTracker<>(context, Bridge.class, null);
        bridges.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (bridgeConfig != null) {
            bridgeConfig.delete();
        }
        if (listener != null) {
            listener.delete();
        }
        bridges.close();
        brokers.close();
        configAdmins.close();
    }

    @Test
    void aConnectionSectionRunsABridgeUntilItIsRemoved() throws Exception {
        Broker broker = brokers.waitForService(30_000);
        assertNotNull(broker, "Broker service");
        ConfigurationAdmin ca = configAdmins.waitForService(30_000);
        listener = ca.createFactoryConfiguration("io.pigeon.listener", "?");
        Dictionary<String, Object> lp = new Hashtable<>();
        lp.put("port", 0);
        lp.put("bind.address", "127.0.0.1");
        listener.update(lp);
        assertTrue(waitFor(() -> broker.listeners().stream().anyMatch(u -> u.startsWith("mqtt://127.0.0.1:"))),
                "listener opened: " + broker.listeners());
        String uri = broker.listeners().stream().filter(u -> u.startsWith("mqtt://127.0.0.1:")).findFirst().get();
        int port = Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));

        BlockingQueue<Message> upstream = new LinkedBlockingQueue<>();
        BlockingQueue<Message> state = new LinkedBlockingQueue<>();
        try (Subscription up = broker.subscribe("up/#", 1, upstream::add);
                Subscription st = broker.subscribe("$SYS/broker/connection/self/state", 1, state::add)) {
            bridgeConfig = ca.getFactoryConfiguration("io.pigeon.bridge", "self", "?");
            Dictionary<String, Object> bp = new Hashtable<>();
            bp.put("name", "self");
            bp.put("address", new String[] {"127.0.0.1:" + port});
            bp.put("topic", new String[] {"a/# out 1 \"\" up/"});
            bp.put("restart.timeout", "1 1");
            // the notification topic is $SYS/broker/connection/REMOTE_CLIENTID/state, as in Mosquitto
            bp.put("remote.clientid", "self");
            bp.put("bridge.protocol.version", "mqttv50");
            bp.put("config.source", "etc/pigeon.conf:12");
            bridgeConfig.update(bp);

            Bridge bridge = bridges.waitForService(30_000);
            assertNotNull(bridge, "Bridge service registered for the configuration");
            assertEquals("self", bridges.getServiceReference().getProperty(Bridge.NAME_PROPERTY));
            assertTrue(waitFor(bridge::connected), "the bridge connected to the listener");
            assertEquals(List.of("mqtt://127.0.0.1:" + port), bridge.upstreamAddresses());
            assertEquals("1", awaitState(state, "1"));

            broker.publish(new Message("a/b", "hello".getBytes(StandardCharsets.UTF_8), 1, false));
            Message forwarded = upstream.poll(30, TimeUnit.SECONDS);
            assertNotNull(forwarded, "a/b went over the bridge as up/a/b");
            assertEquals("up/a/b", forwarded.topic());
            assertEquals("hello", new String(forwarded.payload(), StandardCharsets.UTF_8));
            assertTrue(waitFor(() -> bridge.queuedMessages() == 0), "acknowledged messages leave the queue");
            Path queueFile = context.getDataFile("bridges/self.mv.db").toPath();
            assertTrue(Files.exists(queueFile), "queue file in the bundle's data area: " + queueFile);

            bridgeConfig.delete();
            bridgeConfig = null;
            assertTrue(waitFor(() -> bridges.getService() == null), "the Bridge service goes with its configuration");
            assertEquals("0", awaitState(state, "0"));
            broker.publish(new Message("a/c", new byte[0], 1, false));
            assertEquals(null, upstream.poll(500, TimeUnit.MILLISECONDS), "a stopped bridge forwards nothing");
        }
    }

    /** Skips other values: the retained "0" of a bridge still connecting may come first. */
    private static String awaitState(BlockingQueue<Message> state, String wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            Message m = state.poll(left, TimeUnit.NANOSECONDS);
            if (m != null && new String(m.payload(), StandardCharsets.UTF_8).equals(wanted)) {
                return wanted;
            }
        }
        return "no state " + wanted + " within 30 s";
    }

    /** Generous: the build machine may be busy with other builds. */
    private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
