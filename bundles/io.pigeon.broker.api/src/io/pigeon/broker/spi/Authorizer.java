package io.pigeon.broker.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Topic access control. Called on the publishing, subscribing or receiving connection's event loop for every
 * PUBLISH, will, SUBSCRIBE entry and delivery: must be fast and must not block.
 * The broker itself refuses client publishes to {@code $SYS} before asking.
 */
@ConsumerType
public interface Authorizer {

    /** Called for each PUBLISH a client sends, and for its will when the will is published. */
    boolean canPublish(ClientIdentity client, String topic);

    /** @param topicFilter the filter without any {@code $share/<group>/} prefix */
    boolean canSubscribe(ClientIdentity client, String topicFilter);

    /**
     * Called before each message is sent to a client: live publishes, retained messages sent on subscribe and
     * messages queued while the client was away. A denied message is skipped for this client only.
     */
    default boolean canReceive(ClientIdentity client, String topic) {
        return true;
    }
}
