package io.pigeon.client;

import java.util.concurrent.CompletionStage;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One MQTT connection, to the embedded broker or a remote one. Thread safe. Handlers run on the client's
 * network thread (or a broker thread for the embedded broker) and must not block.
 */
@ProviderType
public interface MqttClient extends AutoCloseable {

    ClientOptions options();

    ConnectionState state();

    /** Completes when the client is next connected (at once if it is); never completes after {@link #close()}. */
    CompletionStage<Void> connected();

    void addStateListener(ConnectionStateListener listener);

    void removeStateListener(ConnectionStateListener listener);

    /**
     * Publishes a message. The stage completes when the message was written (QoS 0) or acknowledged by the
     * broker (PUBACK for QoS 1, PUBCOMP for QoS 2). While disconnected the message waits in the offline
     * buffer. It completes exceptionally with {@link MqttClientException} when the broker refuses the message
     * (MQTT 5 reason code 0x80 or above), when the buffer policy drops it, or when the client is closed.
     */
    CompletionStage<Void> publish(Message message);

    /** {@link #subscribe(String, SubscribeOptions, MessageHandler)} with the QoS and default options. */
    default CompletionStage<ClientSubscription> subscribe(String topicFilter, int qos, MessageHandler handler) {
        return subscribe(topicFilter, SubscribeOptions.qos(qos), handler);
    }

    /**
     * Subscribes. The stage completes on SUBACK with the granted QoS, or exceptionally with
     * {@link MqttClientException} when the broker refuses the filter. Subscriptions are made again after
     * a reconnect when the broker did not keep the session.
     */
    CompletionStage<ClientSubscription> subscribe(String topicFilter, SubscribeOptions options, MessageHandler handler);

    /**
     * Closes the connection with a normal DISCONNECT (the will is not published) and fails whatever waits
     * in the offline buffer. Closing twice does nothing.
     */
    @Override
    void close();
}
