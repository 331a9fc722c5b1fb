package io.pigeon.bridge.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.pigeon.bridge.internal.TopicMapping.Direction;

/** Mosquitto's topic line rules, each with the topics a message crosses the bridge with. */
class TopicMappingTest {

    private static TopicMapping parse(String line) {
        return TopicMapping.parse(line, "etc/pigeon.conf:7");
    }

    @Test
    void defaultsAreOutAndQos0WithoutPrefixes() {
        TopicMapping t = parse("sensors/#");
        assertEquals(Direction.OUT, t.direction());
        assertEquals(0, t.qos());
        assertEquals("sensors/#", t.localFilter());
        assertEquals("sensors/#", t.remoteFilter());
        assertEquals("sensors/a", t.toRemote("sensors/a"));
        assertNull(t.toLocal("sensors/a"), "an out line carries nothing in");
        assertNull(t.toRemote("other/a"));
    }

    @Test
    void prefixesAreSwappedBetweenTheSides() {
        TopicMapping t = parse("sensors/# both 1 pi/ site1/pi/");
        assertEquals("pi/sensors/#", t.localFilter());
        assertEquals("site1/pi/sensors/#", t.remoteFilter());
        assertEquals("site1/pi/sensors/temp", t.toRemote("pi/sensors/temp"));
        assertEquals("pi/sensors/temp", t.toLocal("site1/pi/sensors/temp"));
        assertNull(t.toRemote("sensors/temp"), "without the local prefix it is not this line's topic");
    }

    @Test
    void emptyLocalPrefixOnlyAddsTheRemoteOne() {
        TopicMapping t = parse("# in 0 \"\" site1/");
        assertEquals("#", t.localFilter());
        assertEquals("site1/#", t.remoteFilter());
        assertEquals("cmd/led", t.toLocal("site1/cmd/led"));
        assertNull(t.toRemote("cmd/led"));
    }

    @Test
    void emptyPatternMapsOneTopicToAnother() {
        TopicMapping t = parse("\"\" both 2 local/status remote/gw1/status");
        assertEquals("local/status", t.localFilter());
        assertEquals("remote/gw1/status", t.remoteFilter());
        assertEquals("remote/gw1/status", t.toRemote("local/status"));
        assertEquals("local/status", t.toLocal("remote/gw1/status"));
        assertNull(t.toRemote("local/status/x"));
    }

    @Test
    void wildcardsInTheMiddleKeepTheirLevels() {
        TopicMapping t = parse("+/temp in 1 here/ there/");
        assertEquals("here/kitchen/temp", t.toLocal("there/kitchen/temp"));
        assertNull(t.toLocal("there/kitchen/humidity"));
    }

    @Test
    void dollarTopicsDoNotMatchALeadingWildcard() {
        assertNull(parse("# out").toRemote("$SYS/broker/uptime"));
        assertEquals("$SYS/broker/uptime", parse("$SYS/# out").toRemote("$SYS/broker/uptime"));
    }

    @Test
    void badLinesNameThePlaceTheValueAndTheFix() {
        assertEquals("etc/pigeon.conf:7: topic a/# sideways: direction 'sideways' must be in, out or both. Fix the"
                + " line in the connection section.",
                assertThrows(IllegalArgumentException.class, () -> parse("a/# sideways")).getMessage());
        assertEquals("etc/pigeon.conf:7: topic a/# out 1 a/+/ b/: prefix 'a/+/' must not contain the wildcards + and"
                + " #. Fix the line in the connection section.",
                assertThrows(IllegalArgumentException.class, () -> parse("a/# out 1 a/+/ b/")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("\"\" out 1 local/x"));
        assertThrows(IllegalArgumentException.class, () -> parse("a/# out 3"));
        assertThrows(IllegalArgumentException.class, () -> parse("a#"));
    }
}
