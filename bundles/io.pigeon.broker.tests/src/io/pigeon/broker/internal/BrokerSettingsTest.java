package io.pigeon.broker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BrokerSettingsTest {

    @Test
    void durations() {
        assertEquals(BrokerSettings.NEVER, BrokerSettings.parseDuration("f:1", "k", ""));
        assertEquals(7200, BrokerSettings.parseDuration("f:1", "k", "2h"));
        assertEquals(14 * 86_400, BrokerSettings.parseDuration("f:1", "k", "14d"));
        assertEquals(7 * 86_400, BrokerSettings.parseDuration("f:1", "k", "1w"));
        assertEquals(30 * 86_400, BrokerSettings.parseDuration("f:1", "k", "1m"));
        assertEquals(365 * 86_400, BrokerSettings.parseDuration("f:1", "k", "1y"));
    }

    @Test
    void badDurationNamesPlaceKeyValueAndFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BrokerSettings.parseDuration("etc/pigeon.conf:7", "persistent_client_expiration", "2 hours"));
        assertTrue(e.getMessage().contains("etc/pigeon.conf:7"), e.getMessage());
        assertTrue(e.getMessage().contains("persistent_client_expiration"), e.getMessage());
        assertTrue(e.getMessage().contains("2 hours"), e.getMessage());
        assertTrue(e.getMessage().contains("14d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BrokerSettings.parseDuration("f", "k", "h"));
        assertThrows(IllegalArgumentException.class, () -> BrokerSettings.parseDuration("f", "k", "-3d"));
        assertThrows(IllegalArgumentException.class, () -> BrokerSettings.parseDuration("f", "k", "10"));
    }

    private static BrokerConfig config(java.util.Map<String, Object> values) {
        return (BrokerConfig) java.lang.reflect.Proxy.newProxyInstance(BrokerConfig.class.getClassLoader(),
                new Class<?>[] {BrokerConfig.class}, (proxy, method, args) -> values.containsKey(method.getName())
                        ? values.get(method.getName()) : method.getDefaultValue());
    }

    @Test
    void configurationIsValidatedWithItsSource() {
        BrokerSettings s = BrokerSettings.from(config(java.util.Map.of("max_qos", 1, "persistent_client_expiration",
                "2h")));
        assertEquals(1, s.maxQos());
        assertEquals(7200, s.persistentClientExpirationSeconds());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BrokerSettings.from(
                config(java.util.Map.of("max_qos", 3, "config_source", "etc/pigeon.conf:12"))));
        assertTrue(e.getMessage().startsWith("etc/pigeon.conf:12: max_qos 3"), e.getMessage());
        assertEquals(BrokerSettings.defaults(), BrokerSettings.from(config(java.util.Map.of())),
                "the annotation defaults and defaults() agree");
    }

    @Test
    void defaultsAreMosquittos() {
        BrokerSettings d = BrokerSettings.defaults();
        assertEquals(20, d.maxInflightMessages());
        assertEquals(1000, d.maxQueuedMessages());
        assertEquals(65535, d.maxKeepalive());
        assertEquals(2, d.maxQos());
        assertEquals("auto-", d.autoIdPrefix());
        assertEquals(10, d.sysIntervalSeconds());
        assertEquals(BrokerSettings.PROTOCOL_MAX_PACKET, d.decoderLimit());
    }
}
