package io.pigeon.client;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/** A subscription made through an {@link MqttClient}. */
@ProviderType
public interface ClientSubscription extends AutoCloseable {

    String topicFilter();

    /** QoS granted by the broker. */
    int grantedQos();

    /** Unsubscribes; completes on UNSUBACK. Calling it twice does nothing more. */
    CompletionStage<Void> unsubscribe();

    /** Unsubscribes without waiting for the UNSUBACK. */
    @Override
    default void close() {
        unsubscribe();
    }
}
