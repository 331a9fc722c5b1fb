package io.pigeon.console.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@value #PID}: what the console records while no browser is open (see {@link Recording}).
 * Keys: {@code filters}, {@code max.messages}, {@code max.bytes}, {@code queue.size}, {@code max.rate}.
 */
@ObjectClassDefinition(name = "Pigeon console recording",
        description = "The history of broker traffic kept in data/console/recording.mv.db for the explorer's topic "
                + "tree, charts and export. The oldest messages are dropped first when a bound is reached.")
public @interface RecordingConfig {

    String PID = "io.pigeon.console.recording";

    /*
     * Nothing by default: every in-process subscriber is one more delivery of each matching message on the broker's
     * event loop, and '#' on a busy broker halved its throughput in the benchmark. The user names what to keep.
     */
    @AttributeDefinition(name = "Topic filters", description = "MQTT topic filters to record, e.g. sensors/#. '#' "
            + "records every topic except the broker's $SYS topics, at a cost to a busy broker's throughput; an empty "
            + "list (the default) records nothing.")
    String[] filters() default {};

    @AttributeDefinition(name = "Maximum messages", description = "How many messages the history keeps at most.",
            min = "1")
    int max_messages() default 100_000;

    @AttributeDefinition(name = "Maximum bytes", description = "How many bytes of topics and payloads the history "
            + "keeps at most (a message larger than this is not recorded).", min = "1024")
    long max_bytes() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "Write queue", description = "Messages waiting to be written; when the disk cannot "
            + "keep up and the queue is full, further messages are dropped (and counted) rather than slow the broker.",
            min = "16")
    int queue_size() default 10_000;

    @AttributeDefinition(name = "Maximum rate", description = "Messages recorded per second at most; the rest are "
            + "counted as dropped, so that recording a busy broker does not take the broker's CPU.", min = "1")
    int max_rate() default 1000;
}
