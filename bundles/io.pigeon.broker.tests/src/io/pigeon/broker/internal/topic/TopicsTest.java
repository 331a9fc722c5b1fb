package io.pigeon.broker.internal.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void topicNames() {
        assertTrue(Topics.isValidTopicName("a/b/c"));
        assertTrue(Topics.isValidTopicName("/"));
        assertTrue(Topics.isValidTopicName("a//b"));
        assertTrue(Topics.isValidTopicName("$SYS/broker"));
        assertFalse(Topics.isValidTopicName(""));
        assertFalse(Topics.isValidTopicName("a/+/c"));
        assertFalse(Topics.isValidTopicName("a/#"));
        assertFalse(Topics.isValidTopicName("a\0b"));
        assertFalse(Topics.isValidTopicName("x".repeat(65536)));
    }

    @Test
    void filters() {
        for (String ok : new String[] {"#", "+", "a/#", "a/+/c", "+/+", "/+", "a//#", "$SYS/#", "sport/tennis/+"}) {
            assertTrue(Topics.isValidFilter(ok), ok);
        }
        for (String bad : new String[] {"", "a#", "a/#/b", "a+", "a/b+/c", "#/a", "a/++", "a\0"}) {
            assertFalse(Topics.isValidFilter(bad), bad);
        }
    }

    @Test
    void sharedFilters() {
        Topics.ParsedFilter f = Topics.parseFilter("$share/g1/a/+/c");
        assertEquals("g1", f.shareGroup());
        assertEquals("a/+/c", f.filter());
        assertTrue(f.shared());
        assertNull(Topics.parseFilter("$share/g1"));
        assertNull(Topics.parseFilter("$share//a"));
        assertNull(Topics.parseFilter("$share/g+/a"));
        assertNull(Topics.parseFilter("$share/g/"));
        assertFalse(Topics.parseFilter("a/b").shared());
    }

    @Test
    void matching() {
        assertTrue(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1"));
        assertTrue(Topics.matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
        assertTrue(Topics.matches("sport/#", "sport"));
        assertTrue(Topics.matches("+/+", "/finance"));
        assertTrue(Topics.matches("/+", "/finance"));
        assertFalse(Topics.matches("+", "/finance"));
        assertTrue(Topics.matches("sport/+", "sport/"));
        assertFalse(Topics.matches("sport/+", "sport"));
        assertFalse(Topics.matches("#", "$SYS/broker"));
        assertFalse(Topics.matches("+/broker", "$SYS/broker"));
        assertTrue(Topics.matches("$SYS/#", "$SYS/broker"));
        assertTrue(Topics.matches("$SYS/+", "$SYS/broker"));
    }

    @Test
    void sysTopics() {
        assertTrue(Topics.isSys("$SYS"));
        assertTrue(Topics.isSys("$SYS/x"));
        assertFalse(Topics.isSys("$SYSX/x"));
        assertFalse(Topics.isSys("a/$SYS"));
    }
}
