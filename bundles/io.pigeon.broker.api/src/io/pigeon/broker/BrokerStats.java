package io.pigeon.broker;

/**
 * Broker counters, the same numbers the {@code $SYS/broker} tree publishes.
 */
public record BrokerStats(long uptimeSeconds, long clientsConnected, long clientsDisconnected, long clientsMaximum,
        long clientsExpired, long messagesReceived, long messagesSent, long publishReceived, long publishSent,
        long publishDropped, long bytesReceived, long bytesSent, long subscriptions, long retainedMessages,
        long storedMessages) {

    /** Connected plus disconnected persistent sessions, like Mosquitto's {@code clients/total}. */
    public long clientsTotal() {
        return clientsConnected + clientsDisconnected;
    }
}
