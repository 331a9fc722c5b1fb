package io.pigeon.broker.internal.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicsTest {

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
    void sysTopics() {
        assertTrue(Topics.isSys("$SYS"));
        assertTrue(Topics.isSys("$SYS/x"));
        assertFalse(Topics.isSys("$SYSX/x"));
        assertFalse(Topics.isSys("a/$SYS"));
    }
}
