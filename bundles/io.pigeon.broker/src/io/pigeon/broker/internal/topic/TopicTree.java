package io.pigeon.broker.internal.topic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subscription tree, one node per topic level, with a cache of the matches of recently published
 * topic names.
 * <p>
 * Threading: {@link #match} runs on any event loop without locks (nodes hold copy-on-write arrays,
 * the cache is a concurrent map). {@link #add} and {@link #remove} are rare and serialized on the tree;
 * each change bumps a generation and empties the cache, and a match computed under an older generation
 * is never cached.
 */
public final class TopicTree {

    private static final SubscriptionEntry[] NO_ENTRIES = new SubscriptionEntry[0];
    private static final SharedGroup[] NO_GROUPS = new SharedGroup[0];

    private final Node root = new Node();
    private final Map<String, Matches> cache = new ConcurrentHashMap<>();
    private final int cacheLimit;
    private volatile long generation;
    private int count;

    public TopicTree() {
        this(10_000);
    }

    public TopicTree(int cacheLimit) {
        this.cacheLimit = cacheLimit;
    }

    private static final class Node {
        final Map<String, Node> children = new ConcurrentHashMap<>(4);
        volatile SubscriptionEntry[] entries = NO_ENTRIES;
        volatile SharedGroup[] groups = NO_GROUPS;

        boolean isEmpty() {
            return children.isEmpty() && entries.length == 0 && groups.length == 0;
        }
    }

    /**
     * Adds or replaces (same subscriber, same filter, same share group) a subscription.
     *
     * @return true when the subscription is new, false when it replaced one
     */
    public synchronized boolean add(SubscriptionEntry entry) {
        Node node = root;
        for (String level : entry.filter().split("/", -1)) {
            node = node.children.computeIfAbsent(level, k -> new Node());
        }
        boolean added;
        if (entry.shareGroup() == null) {
            SubscriptionEntry[] now = node.entries;
            int i = indexOf(now, entry);
            added = i < 0;
            node.entries = replaceOrAppend(now, i, entry);
        } else {
            SharedGroup group = null;
            for (SharedGroup g : node.groups) {
                if (g.name().equals(entry.shareGroup())) {
                    group = g;
                }
            }
            if (group == null) {
                group = new SharedGroup(entry.shareGroup(), entry.filter());
                SharedGroup[] groups = Arrays.copyOf(node.groups, node.groups.length + 1);
                groups[groups.length - 1] = group;
                node.groups = groups;
            }
            SubscriptionEntry[] now = group.members();
            int i = indexOf(now, entry);
            added = i < 0;
            group.members(replaceOrAppend(now, i, entry));
        }
        if (added) {
            count++;
        }
        changed();
        return added;
    }

    /**
     * Removes the subscription of {@code subscriber} to {@code filter} (shareGroup null for a plain one).
     *
     * @return the removed entry, or null when there was none
     */
    public synchronized SubscriptionEntry remove(Subscriber subscriber, String shareGroup, String filter) {
        String[] levels = filter.split("/", -1);
        Node[] path = new Node[levels.length + 1];
        Node node = root;
        path[0] = root;
        for (int i = 0; i < levels.length; i++) {
            node = node.children.get(levels[i]);
            if (node == null) {
                return null;
            }
            path[i + 1] = node;
        }
        SubscriptionEntry removed = null;
        if (shareGroup == null) {
            SubscriptionEntry[] now = node.entries;
            for (int i = 0; i < now.length; i++) {
                if (now[i].subscriber() == subscriber) {
                    removed = now[i];
                    node.entries = without(now, i);
                    break;
                }
            }
        } else {
            for (SharedGroup g : node.groups) {
                if (!g.name().equals(shareGroup)) {
                    continue;
                }
                SubscriptionEntry[] now = g.members();
                for (int i = 0; i < now.length; i++) {
                    if (now[i].subscriber() == subscriber) {
                        removed = now[i];
                        g.members(without(now, i));
                        break;
                    }
                }
                if (g.members().length == 0) {
                    List<SharedGroup> rest = new ArrayList<>(Arrays.asList(node.groups));
                    rest.remove(g);
                    node.groups = rest.toArray(NO_GROUPS);
                }
                break;
            }
        }
        if (removed == null) {
            return null;
        }
        count--;
        for (int i = levels.length; i > 0; i--) {
            if (path[i].isEmpty()) {
                path[i - 1].children.remove(levels[i - 1], path[i]);
            } else {
                break;
            }
        }
        changed();
        return removed;
    }

    /** Number of subscriptions (shared members counted one each). */
    public synchronized int size() {
        return count;
    }

    /** All subscribers of a topic name. Lock-free; cached until the next subscription change. */
    public Matches match(String topic) {
        Matches cached = cache.get(topic);
        if (cached != null) {
            return cached;
        }
        long gen = generation;
        Matches m = compute(topic);
        if (cache.size() >= cacheLimit) {
            cache.clear();
        }
        cache.put(topic, m);
        if (generation != gen) {
            cache.remove(topic, m);
        }
        return m;
    }

    private Matches compute(String topic) {
        String[] levels = topic.split("/", -1);
        List<SubscriptionEntry> entries = new ArrayList<>();
        List<SharedGroup> groups = new ArrayList<>();
        collect(root, levels, 0, topic.startsWith("$"), entries, groups);
        if (entries.isEmpty() && groups.isEmpty()) {
            return Matches.NONE;
        }
        Map<Subscriber, List<SubscriptionEntry>> bySubscriber = new IdentityHashMap<>();
        Map<Subscriber, Boolean> order = new LinkedHashMap<>();
        for (SubscriptionEntry e : entries) {
            bySubscriber.computeIfAbsent(e.subscriber(), s -> new ArrayList<>(1)).add(e);
            order.put(e.subscriber(), Boolean.TRUE);
        }
        Matches.Target[] targets = new Matches.Target[bySubscriber.size()];
        int i = 0;
        for (Subscriber s : order.keySet()) {
            targets[i++] = new Matches.Target(s, bySubscriber.get(s).toArray(NO_ENTRIES));
        }
        return new Matches(targets, groups.toArray(NO_GROUPS));
    }

    private static void collect(Node node, String[] levels, int i, boolean dollar, List<SubscriptionEntry> entries,
            List<SharedGroup> groups) {
        if (i == levels.length) {
            add(node, entries, groups);
            Node hash = node.children.get("#");
            if (hash != null) {
                add(hash, entries, groups);
            }
            return;
        }
        boolean wildcardsAllowed = !(i == 0 && dollar);
        Node exact = node.children.get(levels[i]);
        if (exact != null) {
            collect(exact, levels, i + 1, dollar, entries, groups);
        }
        if (wildcardsAllowed) {
            Node plus = node.children.get("+");
            if (plus != null) {
                collect(plus, levels, i + 1, dollar, entries, groups);
            }
            Node hash = node.children.get("#");
            if (hash != null) {
                add(hash, entries, groups);
            }
        }
    }

    private static void add(Node node, List<SubscriptionEntry> entries, List<SharedGroup> groups) {
        for (SubscriptionEntry e : node.entries) {
            entries.add(e);
        }
        for (SharedGroup g : node.groups) {
            groups.add(g);
        }
    }

    private void changed() {
        generation++;
        cache.clear();
    }

    private static int indexOf(SubscriptionEntry[] entries, SubscriptionEntry entry) {
        for (int i = 0; i < entries.length; i++) {
            if (entries[i].sameKey(entry)) {
                return i;
            }
        }
        return -1;
    }

    private static SubscriptionEntry[] replaceOrAppend(SubscriptionEntry[] now, int i, SubscriptionEntry entry) {
        SubscriptionEntry[] next;
        if (i >= 0) {
            next = now.clone();
            next[i] = entry;
        } else {
            next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = entry;
        }
        return next;
    }

    private static SubscriptionEntry[] without(SubscriptionEntry[] now, int i) {
        SubscriptionEntry[] next = new SubscriptionEntry[now.length - 1];
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        return next;
    }
}
