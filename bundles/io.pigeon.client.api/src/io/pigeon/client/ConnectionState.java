package io.pigeon.client;

/** Where an {@link MqttClient} is in its life. */
public enum ConnectionState {
    /** Opening the socket or waiting for CONNACK. */
    CONNECTING,
    /** CONNACK accepted. */
    CONNECTED,
    /** Lost or refused; waiting for the next attempt (backoff). */
    DISCONNECTED,
    /** Closed by its owner; final. */
    CLOSED
}
