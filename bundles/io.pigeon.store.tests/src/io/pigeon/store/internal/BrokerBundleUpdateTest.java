package io.pigeon.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.spi.DurableStore;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * In a real Equinox: the broker bundle is updated (new bundle revision; the refresh touches no other bundle, since
 * the store and the rest import the broker's API from io.pigeon.broker.api) and a persistent session with its queued
 * message and a retained message are still there. The client is a raw MQTT 3.1.1 socket client.
 * <p>
 * After the update the test touches no broker or store type (a refresh would make them new classes) and uses the
 * system bundle's context and sockets only.
 */
class BrokerBundleUpdateTest {

    @TempDir
    Path dir;

    private BundleContext context;
    private BundleContext system;
    private ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmins;
    private Configuration brokerConfig;
    private Configuration listener;

    @BeforeEach
    void setUp() {
        Bundle bundle = FrameworkUtil.getBundle(BrokerBundleUpdateTest.class);
        assumeTrue(bundle != null, "not running inside OSGi");
        context = bundle.getBundleContext();
        system = context.getBundle(0).getBundleContext();
        configAdmins = new ServiceTracker<>(system, ConfigurationAdmin.class, null);
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
        if (configAdmins != null) {
            configAdmins.close();
        }
    }

    @Test
    void sessionsAndRetainedMessagesSurviveABrokerBundleUpdate() throws Exception {
        ConfigurationAdmin ca = configAdmins.waitForService(10_000);
        assertNotNull(ca, "ConfigurationAdmin");
        brokerConfig = ca.getConfiguration("io.pigeon.broker", "?");
        Dictionary<String, Object> bp = new Hashtable<>();
        bp.put("persistence", true);
        bp.put("persistence.location", dir.toString());
        brokerConfig.update(bp);
        // the broker restarts on the store in dir; open the test listener after that
        awaitBrokerAfterStore(dir);
        listener = ca.createFactoryConfiguration("io.pigeon.listener", "?");
        Dictionary<String, Object> lp = new Hashtable<>();
        lp.put("port", 0);
        lp.put("bind.address", "127.0.0.1");
        listener.update(lp);

        Broker broker = brokerOn(dir);
        int port = port(listeners(system.getServiceReference(Broker.class.getName())));
        try (RawClient c = new RawClient(port)) {
            assertEquals(0, c.connect("update-sub"), "CONNACK return code");
            c.subscribe("update/q", 1);
            c.disconnect();
        }
        broker.publish(new Message("update/retained", "kept".getBytes(StandardCharsets.UTF_8), 1, true))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        broker.publish(new Message("update/q", "queued".getBytes(StandardCharsets.UTF_8), 1, false))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        // in-process publishes are not acknowledged: wait until the store has them
        awaitSynced();

        // the bundle that registers the service: Broker.class itself is io.pigeon.broker.api's
        Bundle brokerBundle = system.getServiceReference(Broker.class.getName()).getBundle();
        Object serviceIdBefore = system.getServiceReference(Broker.class.getName()).getProperty("service.id");
        long modifiedBefore = brokerBundle.getLastModified();
        brokerBundle.update();
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch refreshed = new CountDownLatch(1);
        wiring.refreshBundles(List.of(brokerBundle), e -> refreshed.countDown());
        assertTrue(refreshed.await(30, TimeUnit.SECONDS), "refresh after the update");

        int newPort = portAfterUpdate(brokerBundle, dir);
        assertTrue(brokerBundle.getLastModified() > modifiedBefore || !serviceIdBefore.equals(
                system.getServiceReference("io.pigeon.broker.Broker").getProperty("service.id")),
                "the broker bundle was not updated");
        assertTrue(!serviceIdBefore.equals(system.getServiceReference("io.pigeon.broker.Broker")
                .getProperty("service.id")), "the Broker service is the one from before the update");
        try (RawClient c = new RawClient(newPort)) {
            assertEquals(0x100, c.connect("update-sub"), "CONNACK: session present after the update");
            assertEquals("queued", c.readPublishPayload(), "the message queued for the offline session");
            c.subscribe("update/retained", 1);
            assertEquals("kept", c.readPublishPayload(), "the retained message");
            assertTrue(c.lastRetain, "retain flag on the retained message");
        }
    }

    /** The port of the new broker revision's test listener, once it runs on the durable store in {@code storeDir}. */
    private int portAfterUpdate(Bundle brokerBundle, Path storeDir) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            ServiceReference<?> store = system.getServiceReference("io.pigeon.broker.spi.DurableStore");
            ServiceReference<?> broker = system.getServiceReference("io.pigeon.broker.Broker");
            if (store != null && broker != null && broker.getBundle() == brokerBundle
                    && String.valueOf(store.getProperty("pigeon.store.file")).startsWith(storeDir.toString())) {
                try {
                    return port(listeners(broker));
                } catch (AssertionError notYet) {
                    // the listener opens after the broker service
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the updated broker did not come back on the durable store in " + storeDir);
    }

    private static List<String> listeners(ServiceReference<?> broker) {
        Object p = broker == null ? null : broker.getProperty(Broker.LISTENERS_PROPERTY);
        return p instanceof String[] a ? List.of(a) : List.of();
    }

    /** Waits until the store in {@code storeDir} is registered and a broker started after it (a higher service id). */
    private void awaitBrokerAfterStore(Path storeDir) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            ServiceReference<DurableStore> storeRef = context.getServiceReference(DurableStore.class);
            ServiceReference<Broker> ref = context.getServiceReference(Broker.class);
            if (storeRef != null && ref != null
                    && String.valueOf(storeRef.getProperty("pigeon.store.file")).startsWith(storeDir.toString())
                    && (Long) ref.getProperty("service.id") > (Long) storeRef.getProperty("service.id")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the broker did not restart on the durable store in " + storeDir);
    }

    /** Waits for the Broker service running on the store in {@code storeDir} with the test listener open. */
    private Broker brokerOn(Path storeDir) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            ServiceReference<DurableStore> storeRef = context.getServiceReference(DurableStore.class);
            ServiceReference<Broker> ref = context.getServiceReference(Broker.class);
            if (storeRef != null && ref != null
                    && String.valueOf(storeRef.getProperty("pigeon.store.file")).startsWith(storeDir.toString())) {
                Broker b = context.getService(ref);
                if (b.listeners().stream().anyMatch(l -> l.startsWith("mqtt://127.0.0.1:"))) {
                    return b;
                }
            }
            Thread.sleep(100);
        }
        ServiceReference<DurableStore> storeRef = context.getServiceReference(DurableStore.class);
        ServiceReference<Broker> ref = context.getServiceReference(Broker.class);
        throw new AssertionError("no broker on the durable store in " + storeDir + " with the test listener; store: "
                + (storeRef == null ? "none" : storeRef.getProperty("pigeon.store.file")) + ", broker listeners: "
                + (ref == null ? "none" : context.getService(ref).listeners()));
    }

    private void awaitSynced() throws Exception {
        var ref = context.getServiceReference(DurableStore.class);
        context.getService(ref).synced().get(10, TimeUnit.SECONDS);
    }

    private static int port(List<String> listeners) {
        for (String l : listeners) {
            if (l.startsWith("mqtt://127.0.0.1:")) {
                return Integer.parseInt(l.substring(l.lastIndexOf(':') + 1));
            }
        }
        throw new AssertionError("no loopback listener in " + listeners);
    }

    /** Just enough MQTT 3.1.1 for this test, byte by byte. */
    private static final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;
        boolean lastRetain;

        RawClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
        }

        /** CONNECT with clean session 0; returns (session present &lt;&lt; 8) | return code. */
        int connect(String clientId) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(4);
            body.write(0x00); // clean session 0
            body.write(0);
            body.write(60);
            string(body, clientId);
            send(0x10, body.toByteArray());
            int type = in.readUnsignedByte();
            assertEquals(0x20, type, "CONNACK");
            assertEquals(2, in.readUnsignedByte());
            int flags = in.readUnsignedByte();
            return (flags << 8) | in.readUnsignedByte();
        }

        void subscribe(String filter, int qos) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(0);
            body.write(1);
            string(body, filter);
            body.write(qos);
            send(0x82, body.toByteArray());
            assertEquals(0x90, in.readUnsignedByte(), "SUBACK");
            byte[] rest = new byte[in.readUnsignedByte()];
            in.readFully(rest);
            assertEquals(qos, rest[rest.length - 1], "granted QoS");
        }

        /** Reads one QoS 1 PUBLISH, acknowledges it and returns its payload. */
        String readPublishPayload() throws IOException {
            int type = in.readUnsignedByte();
            assertEquals(0x30, type & 0xF0, "PUBLISH, got " + Integer.toHexString(type));
            lastRetain = (type & 0x01) != 0;
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            byte[] rest = new byte[length];
            in.readFully(rest);
            int topicLength = ((rest[0] & 0xFF) << 8) | (rest[1] & 0xFF);
            int pos = 2 + topicLength;
            int packetId = ((rest[pos] & 0xFF) << 8) | (rest[pos + 1] & 0xFF);
            send(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId});
            return new String(rest, pos + 2, rest.length - pos - 2, StandardCharsets.UTF_8);
        }

        void disconnect() throws IOException {
            send(0xE0, new byte[0]);
        }

        private void send(int header, byte[] body) throws IOException {
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            packet.write(header);
            int n = body.length;
            do {
                int digit = n % 128;
                n /= 128;
                packet.write(n > 0 ? digit | 0x80 : digit);
            } while (n > 0);
            packet.write(body);
            out.write(packet.toByteArray());
            out.flush();
        }

        private static void string(ByteArrayOutputStream out, String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b.length >> 8);
            out.write(b.length);
            out.write(b);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
