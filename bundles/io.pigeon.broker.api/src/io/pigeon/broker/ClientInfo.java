package io.pigeon.broker;

import java.util.List;

/**
 * One client session as {@link Broker#clients()} saw it: connected, or offline with a persistent session.
 *
 * @param clientId              the MQTT client identifier
 * @param connected             whether a network connection is attached now
 * @param remoteAddress         "host:port" of the connection, null while offline
 * @param protocolLevel         3 (MQTT 3.1), 4 (3.1.1) or 5
 * @param username              the user name the client logged in with, null for none or while offline
 * @param cleanStart            the clean session / clean start flag of its CONNECT (false while offline)
 * @param sessionExpirySeconds  seconds the session outlives its connection; 0 ends it on disconnect, -1 never expires
 * @param subscriptions         its subscriptions, in the order they were made
 * @param queuedMessages        messages waiting to be sent (window full, slow or offline client)
 * @param queuedBytes           their size in bytes
 * @param inflightMessages      QoS 1 and 2 messages sent and not yet acknowledged
 * @param connectedSinceMillis  epoch milliseconds of the CONNACK, 0 while offline
 * @param publishesReceived     PUBLISH packets this connection sent to the broker (the connection's counter, from 0
 *                              at each connect)
 * @param publishBytesReceived  their payload bytes
 */
public record ClientInfo(String clientId, boolean connected, String remoteAddress, int protocolLevel, String username,
        boolean cleanStart, long sessionExpirySeconds, List<SubscriptionInfo> subscriptions, int queuedMessages,
        long queuedBytes, int inflightMessages, long connectedSinceMillis, long publishesReceived,
        long publishBytesReceived) {

    public ClientInfo {
        subscriptions = List.copyOf(subscriptions);
    }
}
