package io.pigeon.broker.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Topic access control. Called on the publishing or subscribing connection's event loop for every
 * PUBLISH and every SUBSCRIBE entry: must be fast and must not block.
 * The broker itself refuses client publishes to {@code $SYS} before asking.
 */
@ConsumerType
public interface Authorizer {

    boolean canPublish(ClientIdentity client, String topic);

    /** @param topicFilter the filter without any {@code $share/<group>/} prefix */
    boolean canSubscribe(ClientIdentity client, String topicFilter);
}
