package io.pigeon.bridge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pigeon.client.ClientOptions;

/** A connection section turned into what the bridge runs with: Mosquitto's defaults and meanings. */
class BridgeSettingsTest {

    /** A BridgeConfig as DS would make it: the given values, the annotation's defaults for the rest. */
    private static BridgeConfig config(Object... keysAndValues) {
        Map<String, Object> values = new HashMap<>();
        values.put("name", "central");
        values.put("address", new String[] {"up-1.example.org", "up-2.example.org:8883"});
        values.put("topic", new String[] {"sensors/# out 1 \"\" site/gw1/", "cmd/# in 1 \"\" site/gw1/",
            "status both 0", "old/# out 0 \"\" site/gw1/", "cmd/# out 0 \"\" site/gw1/"});
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return (BridgeConfig) Proxy.newProxyInstance(BridgeConfig.class.getClassLoader(),
                new Class<?>[] {BridgeConfig.class}, (proxy, method, args) -> value(method, values));
    }

    private static Object value(Method method, Map<String, Object> values) {
        Object v = values.get(method.getName());
        return v != null ? v : method.getDefaultValue();
    }

    private static BridgeSettings settings(Object... keysAndValues) {
        return BridgeSettings.from(config(keysAndValues), "io.pigeon.bridge~central", "pi4");
    }

    @Test
    void mosquittosDefaults() {
        BridgeSettings s = settings();
        ClientOptions c = s.client();
        assertEquals("pi4.central", c.clientId());
        assertEquals(List.of("mqtt://up-1.example.org:1883", "mqtt://up-2.example.org:8883"), c.servers());
        assertEquals(ClientOptions.Failover.PRIMARY, c.failover(), "round_robin false: the first address is the main");
        assertEquals(true, c.reconnect(), "start_type automatic");
        assertEquals(true, c.resubscribe(), "subscribes on every connect");
        assertEquals(List.of("site/gw1/sensors/#", "site/gw1/old/#"), c.unsubscribeOnConnect(),
                "bridge_attempt_unsubscribe: the remote topics of out lines no in line subscribes");
        assertEquals("$SYS/broker/connection/pi4.central/state", s.notificationTopic(),
                "named after the remote client id, so that gateways do not share one upstream");
        assertEquals(true, s.notifyUpstream());
        assertEquals(s.notificationTopic(), c.will().topic(), "the upstream says 0 when the bridge is gone");
        assertEquals("0", new String(c.will().payload(), StandardCharsets.UTF_8));
        assertEquals(true, c.will().retain());
        assertEquals(BridgeSettings.StartType.AUTOMATIC, s.startType());
        assertEquals(10, s.threshold());
        assertEquals(Duration.ofSeconds(60), s.idleTimeout());
        assertEquals(true, s.outgoingRetain());
        assertEquals("central", s.queueName(), "the queue file keeps the connection's name");
        assertNull(c.bindAddress());
        assertEquals(0, c.maximumPacketSize());
    }

    @Test
    void theDirectivesPigeonTakesFromMosquitto() {
        BridgeSettings s = settings("round_robin", true, "start_type", "once", "bridge_attempt_unsubscribe", false,
                "bridge_outgoing_retain", false, "notifications_local_only", true, "remote_clientid", "gw1",
                "bridge_bind_address", "192.168.1.10", "bridge_max_packet_size", 4096, "local_clientid", "gw1-local",
                "bridge_cafile", "/etc/ssl/certs/ca-certificates.crt", "bridge_tls_version", "tlsv1.3");
        ClientOptions c = s.client();
        assertEquals(ClientOptions.Failover.ROUND_ROBIN, c.failover());
        assertEquals(false, c.reconnect(), "once: no new attempt after a failure");
        assertEquals(List.of(), c.unsubscribeOnConnect());
        assertEquals(false, s.outgoingRetain());
        assertEquals("$SYS/broker/connection/gw1/state", s.notificationTopic());
        assertEquals(false, s.notifyUpstream());
        assertNull(c.will(), "notifications_local_only: no will upstream");
        assertEquals("192.168.1.10", c.bindAddress());
        assertEquals(4096, c.maximumPacketSize());
        assertEquals("gw1-local", s.queueName());
        assertEquals("tlsv1.3", c.tls().minimumVersion());
        assertEquals(List.of("mqtts://up-1.example.org:1883", "mqtts://up-2.example.org:8883"), c.servers());

        BridgeSettings lazy = settings("start_type", "lazy", "threshold", 3, "idle_timeout", 5,
                "bridge_outgoing_retain", false);
        assertEquals(BridgeSettings.StartType.LAZY, lazy.startType());
        assertEquals(3, lazy.threshold());
        assertEquals(Duration.ofSeconds(5), lazy.idleTimeout());
        assertEquals(true, lazy.client().reconnect(), "a lazy bridge that wants to connect keeps trying");
        assertEquals(false, lazy.client().will().retain(), "bridge_outgoing_retain false: the will is not retained");
    }

    @Test
    void badValuesNameTheSectionAndTheFix() {
        assertEquals("configuration io.pigeon.bridge~central: connection central: start_type manual must be automatic, lazy or"
                + " once.", assertThrows(IllegalArgumentException.class,
                        () -> settings("start_type", "manual")).getMessage());
        assertEquals("configuration io.pigeon.bridge~central: connection central: bridge_tls_version needs bridge_cafile, which"
                + " turns on TLS. Add bridge_cafile with the upstream's CA certificate.",
                assertThrows(IllegalArgumentException.class, () -> settings("bridge_tls_version", "tlsv1.2"))
                        .getMessage());
        assertEquals("configuration io.pigeon.bridge~central: connection central: local_clientid ../x names the bridge's queue"
                + " file, so it must not be . or .. nor contain / or \\.", assertThrows(IllegalArgumentException.class,
                        () -> settings("local_clientid", "../x")).getMessage());
        assertEquals("configuration io.pigeon.bridge~central: connection central: the notification topic"
                + " '$SYS/broker/connection/gw+1/state' is not a topic name (no + or #). Set notification_topic, or a"
                + " remote_clientid without + and #.", assertThrows(IllegalArgumentException.class,
                        () -> settings("remote_clientid", "gw+1")).getMessage());
    }
}
