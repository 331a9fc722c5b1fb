package io.pigeon.client.internal;

import static io.pigeon.client.internal.Inbox.message;
import static io.pigeon.client.internal.Osgi.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import io.pigeon.broker.Broker;
import io.pigeon.broker.MessageHandler;
import io.pigeon.client.MqttClients;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/**
 * The handler whiteboard in Equinox: MessageHandler services with pigeon.topic are subscribed through the gateway
 * connection while registered, including those of a real DS bundle installed, stopped and updated by the test.
 */
class WhiteboardTest {

    @Test
    void aRegisteredHandlerIsSubscribedUntilItIsUnregistered() throws Exception {
        Broker broker = Osgi.service(Broker.class, null);
        Inbox inbox = new Inbox();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(MqttClients.TOPIC_PROPERTY, new String[] {"wb/one/+", "wb/two"});
        props.put(MqttClients.QOS_PROPERTY, 1);
        ServiceRegistration<MessageHandler> reg = Osgi.context().registerService(MessageHandler.class, inbox, props);
        try {
            awaitDelivery(broker, "wb/one/x", inbox);
            broker.publish(message("wb/two", "two", 2));
            var two = inbox.take();
            assertEquals("wb/two", two.topic());
            assertEquals(1, two.qos(), "subscribed at pigeon.qos");

            props.put(MqttClients.TOPIC_PROPERTY, "wb/three");
            props.remove(MqttClients.QOS_PROPERTY);
            reg.setProperties(props);
            awaitDelivery(broker, "wb/three", inbox);
            broker.publish(message("wb/two", "old", 1));
            assertNull(inbox.poll(200), "the old filters went with the old properties");
        } finally {
            reg.unregister();
        }
        broker.publish(message("wb/three", "after", 1));
        assertNull(inbox.poll(200), "unsubscribed once unregistered");
    }

    @Test
    void aHandlerWithABadQosIsNotSubscribed() throws Exception {
        Broker broker = Osgi.service(Broker.class, null);
        Inbox bad = new Inbox();
        Inbox good = new Inbox();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(MqttClients.TOPIC_PROPERTY, "wb/bad");
        props.put(MqttClients.QOS_PROPERTY, "7");
        ServiceRegistration<MessageHandler> badReg = Osgi.context().registerService(MessageHandler.class, bad, props);
        Dictionary<String, Object> goodProps = new Hashtable<>();
        goodProps.put(MqttClients.TOPIC_PROPERTY, "wb/bad");
        ServiceRegistration<MessageHandler> goodReg = Osgi.context().registerService(MessageHandler.class, good,
                goodProps);
        try {
            awaitDelivery(broker, "wb/bad", good);
            assertEquals(0, bad.size(), "pigeon.qos 7 is refused");
        } finally {
            badReg.unregister();
            goodReg.unregister();
        }
    }

    @Test
    void aHandlerBundleIsFollowedThroughStartStopAndUpdate() throws Exception {
        Broker broker = Osgi.service(Broker.class, null);
        Bundle probe = Osgi.context().installBundle("probe:whiteboard", probeBundle("1.0.0", "probe/a"));
        try {
            probe.start();
            Supplier<?> v1 = received("1.0.0");
            awaitReceived(broker, "probe/a", v1);

            probe.stop();
            List<?> before = (List<?>) v1.get();
            broker.publish(message("probe/a", "stopped", 1));
            Thread.sleep(200);
            assertEquals(before, v1.get(), "a stopped bundle's handler gets nothing");

            probe.start();
            Supplier<?> restarted = received("1.0.0");
            awaitReceived(broker, "probe/a", restarted);

            probe.update(probeBundle("1.0.1", "probe/b"));
            Supplier<?> v2 = received("1.0.1");
            List<?> old = (List<?>) restarted.get();
            awaitReceived(broker, "probe/b", v2);
            broker.publish(message("probe/a", "old topic", 1));
            Thread.sleep(200);
            assertEquals(List.of("probe/b:hello"), List.copyOf(new java.util.LinkedHashSet<>((List<?>) v2.get())),
                    "the updated bundle's filter only");
            assertEquals(old, restarted.get(), "the old bundle's handler gets nothing after the update");
        } finally {
            probe.uninstall();
        }
    }

    /** Publishes until the handler has one message (the subscription is made asynchronously), bounded. */
    private static void awaitDelivery(Broker broker, String topic, Inbox inbox) throws Exception {
        for (int i = 0; i < 100; i++) {
            broker.publish(message(topic, "probe", 1));
            if (inbox.poll(100) != null) {
                Thread.sleep(100);
                while (inbox.poll(0) != null) {
                    // drop the other probes
                }
                return;
            }
        }
        throw new AssertionError("no delivery on '" + topic + "' within 10 s");
    }

    private static void awaitReceived(Broker broker, String topic, Supplier<?> probe) throws Exception {
        waitFor(() -> {
            if (((List<?>) probe.get()).isEmpty()) {
                broker.publish(message(topic, "hello", 1));
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return !((List<?>) probe.get()).isEmpty();
        }, "the probe bundle receives on " + topic);
        assertEquals(List.of(topic + ":hello"), List.copyOf(new java.util.LinkedHashSet<>((List<?>) probe.get())));
    }

    private static Supplier<?> received(String version) throws Exception {
        Supplier<?> s = Osgi.service(Supplier.class, "(probe.version=" + version + ")");
        return s;
    }

    /** A bundle with one DS component: ProbeHandler as a MessageHandler on {@code topic} and as a Supplier. */
    private static InputStream probeBundle(String version, String topic) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "io.pigeon.client.probe");
        main.putValue("Bundle-Version", version);
        main.putValue("Import-Package", "io.pigeon.broker");
        main.putValue("Service-Component", "OSGI-INF/probe.xml");
        String component = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="probe" immediate="true">
                  <implementation class="io.pigeon.client.probe.ProbeHandler"/>
                  <service>
                    <provide interface="io.pigeon.broker.MessageHandler"/>
                    <provide interface="java.util.function.Supplier"/>
                  </service>
                  <property name="pigeon.topic" type="String">%s</property>
                  <property name="pigeon.qos" type="Integer" value="1"/>
                  <property name="probe.version" type="String" value="%s"/>
                </scr:component>
                """.formatted(topic, version);
        String classFile = "io/pigeon/client/probe/ProbeHandler.class";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest);
                InputStream code = WhiteboardTest.class.getClassLoader().getResourceAsStream(classFile)) {
            jar.putNextEntry(new JarEntry("OSGI-INF/probe.xml"));
            jar.write(component.getBytes(StandardCharsets.UTF_8));
            jar.putNextEntry(new JarEntry(classFile));
            jar.write(code.readAllBytes());
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

}
