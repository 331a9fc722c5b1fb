package io.pigeon.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicFiltersTest {

    @Test
    void topicNames() {
        assertTrue(TopicFilters.isValidTopicName("a/b/c"));
        assertTrue(TopicFilters.isValidTopicName("/"));
        assertTrue(TopicFilters.isValidTopicName("a//b"));
        assertTrue(TopicFilters.isValidTopicName("$SYS/broker"));
        assertFalse(TopicFilters.isValidTopicName(""));
        assertFalse(TopicFilters.isValidTopicName("a/+/c"));
        assertFalse(TopicFilters.isValidTopicName("a/#"));
        assertFalse(TopicFilters.isValidTopicName("a\0b"));
        assertFalse(TopicFilters.isValidTopicName("x".repeat(65536)));
    }

    @Test
    void filters() {
        for (String ok : new String[] {"#", "+", "a/#", "a/+/c", "+/+", "/+", "a//#", "$SYS/#", "sport/tennis/+"}) {
            assertTrue(TopicFilters.isValidFilter(ok), ok);
        }
        for (String bad : new String[] {"", "a#", "a/#/b", "a+", "a/b+/c", "#/a", "a/++", "a\0"}) {
            assertFalse(TopicFilters.isValidFilter(bad), bad);
        }
    }

    @Test
    void matching() {
        assertTrue(TopicFilters.matches("sport/tennis/player1/#", "sport/tennis/player1"));
        assertTrue(TopicFilters.matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
        assertTrue(TopicFilters.matches("sport/#", "sport"));
        assertTrue(TopicFilters.matches("+/+", "/finance"));
        assertTrue(TopicFilters.matches("/+", "/finance"));
        assertFalse(TopicFilters.matches("+", "/finance"));
        assertTrue(TopicFilters.matches("sport/+", "sport/"));
        assertFalse(TopicFilters.matches("sport/+", "sport"));
        assertFalse(TopicFilters.matches("#", "$SYS/broker"));
        assertFalse(TopicFilters.matches("+/broker", "$SYS/broker"));
        assertTrue(TopicFilters.matches("$SYS/#", "$SYS/broker"));
        assertTrue(TopicFilters.matches("$SYS/+", "$SYS/broker"));
    }

    @Test
    void filterProblemsSayWhatIsWrong() {
        assertNull(TopicFilters.filterProblem("a/+/#"));
        assertEquals("it is empty", TopicFilters.filterProblem(""));
        assertEquals("'#' must be a whole level and the last one", TopicFilters.filterProblem("a/#/b"));
        assertEquals("'+' must be a whole level", TopicFilters.filterProblem("a+/b"));
        assertEquals("it contains a NUL character", TopicFilters.filterProblem("a/\0"));
        assertEquals("it is longer than 65535 bytes", TopicFilters.filterProblem("x".repeat(65536)));
    }
}
