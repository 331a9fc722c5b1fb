package io.pigeon.broker.internal.topic;

/**
 * The subscribers of one topic name, grouped so that a publish walks each subscriber once.
 * Immutable and cached by {@link TopicTree}.
 */
public final class Matches {

    static final Matches NONE = new Matches(new Target[0], new SharedGroup[0]);

    private final Target[] targets;
    private final SharedGroup[] groups;

    Matches(Target[] targets, SharedGroup[] groups) {
        this.targets = targets;
        this.groups = groups;
    }

    /** One non-shared subscriber with all of its subscriptions that match the topic. */
    public record Target(Subscriber subscriber, SubscriptionEntry[] entries) {
    }

    public Target[] targets() {
        return targets;
    }

    public SharedGroup[] groups() {
        return groups;
    }

    public boolean isEmpty() {
        return targets.length == 0 && groups.length == 0;
    }
}
