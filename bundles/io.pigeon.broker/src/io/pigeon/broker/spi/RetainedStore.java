package io.pigeon.broker.spi;

import java.util.Collection;

import io.pigeon.broker.Message;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Keeps retained messages across broker restarts. The broker indexes retained messages in memory and
 * writes through to the store. Called from broker event loops: thread safe, should not block.
 */
@ConsumerType
public interface RetainedStore {

    /** All retained messages; called once when the broker starts. */
    Collection<Message> loadAll();

    /** Stores or replaces the retained message of {@code message.topic()}. */
    void put(Message message);

    /** Removes the retained message of a topic, if any. */
    void remove(String topic);
}
