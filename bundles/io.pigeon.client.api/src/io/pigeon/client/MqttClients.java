package io.pigeon.client;

import org.osgi.annotation.versioning.ProviderType;

/** Opens MQTT connections. Registered once, by the client bundle. Thread safe. */
@ProviderType
public interface MqttClients {

    /** Whiteboard: topic filters (String or String[]) a {@code MessageHandler} service is subscribed to. */
    String TOPIC_PROPERTY = "pigeon.topic";

    /** Whiteboard: QoS of those subscriptions (Integer 0..2, default 0). */
    String QOS_PROPERTY = "pigeon.qos";

    /** Service property naming an {@link MqttClient} service; the gateway's own connection is {@value #GATEWAY}. */
    String NAME_PROPERTY = "pigeon.client.name";

    /** {@link #NAME_PROPERTY} of the gateway's own connection. */
    String GATEWAY = "gateway";

    /**
     * Opens a connection and returns at once; the client connects in the background, and reconnects
     * with backoff after a remote connection drops. Publishes made while it is not connected wait in the
     * offline buffer ({@link ClientOptions#offlineBufferMessages()}).
     *
     * @throws IllegalArgumentException for options that cannot work (unknown URI scheme, unreadable TLS files),
     *                                  with a message that says which option and what to do
     */
    MqttClient open(ClientOptions options);
}
