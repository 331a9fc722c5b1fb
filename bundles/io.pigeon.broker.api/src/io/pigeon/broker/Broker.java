package io.pigeon.broker;

import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The MQTT broker as seen from inside the runtime. Messages published here go through the same path
 * as messages from network clients (retained store, topic tree, subscriber queues).
 * <p>
 * All methods are thread safe.
 */
@ProviderType
public interface Broker {

    /** Service property (String[]) with the URIs of the open listeners, e.g. {@code mqtt://0.0.0.0:1883}. */
    String LISTENERS_PROPERTY = "pigeon.listeners";

    /**
     * Publishes a message as if a client had sent it. The stage completes when the message has been
     * handed to every matching subscriber (QoS 0) or queued for them (QoS 1 and 2); it completes
     * exceptionally with {@link IllegalArgumentException} for an invalid topic or QoS.
     */
    CompletionStage<Void> publish(Message message);

    /** Shorthand for {@link #publish(Message)} with the given fields. */
    default CompletionStage<Void> publish(String topic, byte[] payload, int qos, boolean retain,
            MessageProperties properties) {
        return publish(new Message(topic, payload, qos, retain, properties));
    }

    /**
     * Subscribes an in-process handler. Retained messages matching the filter are delivered first.
     * The handler runs on a broker thread and must not block; it receives every message once per
     * matching subscription. Close the returned handle to unsubscribe.
     *
     * @throws IllegalArgumentException if the filter is not a valid MQTT topic filter or qos is not 0..2
     */
    Subscription subscribe(String topicFilter, int qos, MessageHandler handler);

    /** URIs of the open network listeners, e.g. {@code mqtt://0.0.0.0:1883}. */
    List<String> listeners();

    /** A consistent-enough snapshot of the broker counters (each counter is read once). */
    BrokerStats stats();

    /**
     * Subscribes an in-process handler with subscription options; {@link #subscribe(String, int, MessageHandler)} is
     * this with {@link SubscriptionOptions#qos(int)}. Added because a bridge must pass a local message on with the
     * retain flag its publisher set (Retain As Published), as Mosquitto's bridges do, which a normal subscription
     * clears on live messages; and because a bridge sends the retained messages itself each time its upstream
     * connects, not when it subscribes. Otherwise as {@link #subscribe(String, int, MessageHandler)}.
     *
     * @throws IllegalArgumentException if the filter is not a valid MQTT topic filter
     */
    Subscription subscribe(String topicFilter, SubscriptionOptions options, MessageHandler handler);

    /**
     * The retained messages whose topics match {@code topicFilter} now, each with retain true, the QoS it was
     * published with and the Message Expiry Interval it has left; in no particular order. Added so that a bridge
     * can send them upstream each time it connects, as Mosquitto does, and so catch up on retained messages that
     * changed while the upstream was away.
     *
     * @throws IllegalArgumentException if the filter is not a valid MQTT topic filter, or is a shared subscription
     */
    List<Message> retained(String topicFilter);

    /**
     * The client sessions the broker holds now: connected clients and offline persistent sessions, for a console or
     * a shell to show (added in 0.2.0, because an operator must be able to see who is connected). Each session is read
     * on its own event loop, so the snapshot is consistent per client; a session that does not answer within a few
     * seconds (broker stopping) is left out. Call it from any thread but a broker event loop (it waits for them).
     */
    List<ClientInfo> clients();

    /**
     * Disconnects a connected client the way a broker does for an administrative action (added in 0.2.0, so an
     * operator can throw out a misbehaving client): an MQTT 5 client first gets DISCONNECT with reason code 0x98
     * "administrative action"; the will is published as for any disconnect the client did not ask for; a persistent
     * session stays. The client may connect again. Call it from any thread but a broker event loop.
     *
     * @return true if the client was connected and is being disconnected, false if no client with this id is connected
     */
    boolean disconnect(String clientId);
}
