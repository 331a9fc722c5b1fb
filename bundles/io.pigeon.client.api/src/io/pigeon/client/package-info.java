/**
 * The client service: how bundles talk MQTT, to the embedded broker (in-process, no socket) or to a
 * remote broker (TCP, TLS or WebSockets), through one API.
 * <p>
 * {@link io.pigeon.client.MqttClients} opens connections. It is bundle scoped: the clients a bundle leaves open
 * when it stops are ended as dropped connections (their wills are published), so close clients in your
 * component's {@code @Deactivate}.
 * <p>
 * The gateway's own connection, configured under the ConfigAdmin PID {@code io.pigeon.client}, is registered as an
 * {@link io.pigeon.client.MqttClient} service with {@code pigeon.client.name=gateway}. Every bundle gets its own view
 * of it: the subscriptions and state listeners a bundle made through it end when the bundle releases the service
 * (it stops or is updated), and {@code close()} on the view ends them too, while the shared connection stays open
 * (it belongs to its configuration).
 * <p>
 * Whiteboard: every {@link io.pigeon.broker.MessageHandler} service with the property
 * {@value io.pigeon.client.MqttClients#TOPIC_PROPERTY} (String or String[]) is subscribed through the gateway's
 * connection while the service is registered, at the QoS in {@value io.pigeon.client.MqttClients#QOS_PROPERTY}
 * (default 0), and unsubscribed when it goes away.
 */
@org.osgi.annotation.versioning.Version("0.2.0")
package io.pigeon.client;
