package io.pigeon.broker.internal.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.pigeon.broker.internal.message.PublishedMessage;

import org.junit.jupiter.api.Test;

class TopicTreeTest {

    static final class Sub implements Subscriber {
        final String id;
        boolean online = true;

        Sub(String id) {
            this.id = id;
        }

        @Override
        public String clientId() {
            return id;
        }

        @Override
        public boolean isOnline() {
            return online;
        }

        @Override
        public void deliver(PublishedMessage message, int qos, boolean retain, int[] subscriptionIds) {
        }
    }

    private final TopicTree tree = new TopicTree();

    private static SubscriptionEntry entry(Subscriber s, String raw, int qos) {
        Topics.ParsedFilter f = Topics.parseFilter(raw);
        return new SubscriptionEntry(s, f.filter(), f.shareGroup(), qos, false, false, 0, 0);
    }

    private Set<String> subscribers(String topic) {
        Set<String> out = new TreeSet<>();
        for (Matches.Target t : tree.match(topic).targets()) {
            out.add(t.subscriber().clientId());
        }
        return out;
    }

    @Test
    void wildcardsMatch() {
        Sub a = new Sub("a");
        Sub b = new Sub("b");
        Sub c = new Sub("c");
        Sub d = new Sub("d");
        tree.add(entry(a, "sport/tennis/+", 0));
        tree.add(entry(b, "sport/#", 0));
        tree.add(entry(c, "#", 0));
        tree.add(entry(d, "sport/tennis/player1", 0));
        assertEquals(Set.of("a", "b", "c", "d"), subscribers("sport/tennis/player1"));
        assertEquals(Set.of("b", "c"), subscribers("sport"));
        assertEquals(Set.of("c"), subscribers("other"));
        assertEquals(Set.of("a", "b", "c"), subscribers("sport/tennis/"));
    }

    @Test
    void dollarTopicsNotMatchedByFirstLevelWildcards() {
        Sub a = new Sub("a");
        Sub b = new Sub("b");
        Sub c = new Sub("c");
        tree.add(entry(a, "#", 0));
        tree.add(entry(b, "+/broker/#", 0));
        tree.add(entry(c, "$SYS/#", 0));
        assertEquals(Set.of("c"), subscribers("$SYS/broker/uptime"));
        assertEquals(Set.of("a", "b"), subscribers("x/broker/y"));
    }

    @Test
    void overlappingSubscriptionsGroupedPerSubscriber() {
        Sub a = new Sub("a");
        tree.add(entry(a, "a/#", 0));
        tree.add(entry(a, "a/+", 2));
        Matches m = tree.match("a/b");
        assertEquals(1, m.targets().length);
        assertEquals(2, m.targets()[0].entries().length);
    }

    @Test
    void replaceAndRemove() {
        Sub a = new Sub("a");
        assertTrue(tree.add(entry(a, "x/y", 0)));
        assertFalse(tree.add(entry(a, "x/y", 1)));
        assertEquals(1, tree.size());
        assertEquals(1, tree.match("x/y").targets()[0].entries()[0].qos());
        assertNotNull(tree.remove(a, null, "x/y"));
        assertNull(tree.remove(a, null, "x/y"));
        assertTrue(tree.match("x/y").isEmpty());
        assertEquals(0, tree.size());
    }

    @Test
    void cacheIsInvalidatedOnChange() {
        Sub a = new Sub("a");
        Sub b = new Sub("b");
        tree.add(entry(a, "c/#", 0));
        Matches first = tree.match("c/d");
        assertSame(first, tree.match("c/d"), "second match comes from the cache");
        tree.add(entry(b, "c/d", 0));
        assertEquals(Set.of("a", "b"), subscribers("c/d"));
        tree.remove(a, null, "c/#");
        assertEquals(Set.of("b"), subscribers("c/d"));
    }

    @Test
    void sharedSubscriptionsRoundRobinPreferringOnline() {
        Sub a = new Sub("a");
        Sub b = new Sub("b");
        Sub c = new Sub("c");
        tree.add(entry(a, "$share/g/s/+", 1));
        tree.add(entry(b, "$share/g/s/+", 1));
        tree.add(entry(c, "$share/h/s/#", 1));
        Matches m = tree.match("s/1");
        assertEquals(0, m.targets().length, "shared members are not plain targets");
        assertEquals(2, m.groups().length);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            for (SharedGroup g : tree.match("s/1").groups()) {
                counts.merge(g.pick().subscriber().clientId(), 1, Integer::sum);
            }
        }
        assertEquals(5, counts.get("a"));
        assertEquals(5, counts.get("b"));
        assertEquals(10, counts.get("c"));
        b.online = false;
        for (int i = 0; i < 4; i++) {
            for (SharedGroup g : tree.match("s/1").groups()) {
                if (g.name().equals("g")) {
                    assertSame(a, g.pick().subscriber());
                }
            }
        }
        tree.remove(a, "g", "s/+");
        tree.remove(b, "g", "s/+");
        assertEquals(1, tree.match("s/1").groups().length);
    }
}
