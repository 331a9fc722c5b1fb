package io.pigeon.broker.spi;

import io.pigeon.broker.Message;

/**
 * The will of a persistent session's client.
 *
 * @param message        the will message, its topic as published (with any listener mount point); its Message
 *                       Expiry Interval counts from when it is published
 * @param clientTopic    the will topic as the client sent it, for the authorization check at publish time
 * @param username       the client's user name (null when none), for the authorization check
 * @param delaySeconds   MQTT 5 Will Delay Interval, 0 for none
 * @param publishAtMillis wall-clock time the delayed will is due, or 0 while its client is connected (after a
 *                       restart the delay counts from the start)
 */
public record StoredWill(Message message, String clientTopic, String username, long delaySeconds,
        long publishAtMillis) {
}
