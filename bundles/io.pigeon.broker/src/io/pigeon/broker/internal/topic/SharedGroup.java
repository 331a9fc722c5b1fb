package io.pigeon.broker.internal.topic;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The members of one {@code $share/<group>/<filter>}. Members are a copy-on-write array so publishers
 * read them without locks; the round-robin counter is shared by all publishers.
 */
public final class SharedGroup {

    private final String name;
    private final String filter;
    private volatile SubscriptionEntry[] members = new SubscriptionEntry[0];
    private final AtomicInteger next = new AtomicInteger();

    SharedGroup(String name, String filter) {
        this.name = name;
        this.filter = filter;
    }

    public String name() {
        return name;
    }

    public String filter() {
        return filter;
    }

    SubscriptionEntry[] members() {
        return members;
    }

    void members(SubscriptionEntry[] members) {
        this.members = members;
    }

    /** Picks the next member round-robin, preferring online ones; null when the group is empty. */
    public SubscriptionEntry pick() {
        SubscriptionEntry[] m = members;
        if (m.length == 0) {
            return null;
        }
        int start = Math.floorMod(next.getAndIncrement(), m.length);
        for (int i = 0; i < m.length; i++) {
            SubscriptionEntry e = m[(start + i) % m.length];
            if (e.subscriber().isOnline()) {
                return e;
            }
        }
        return m[start];
    }
}
