/**
 * The client service: how bundles talk MQTT, to the embedded broker (in-process, no socket) or to a
 * remote broker (TCP, TLS or WebSockets), through one API.
 * <p>
 * {@link io.pigeon.client.MqttClients} opens connections. The gateway's own connection, configured under the
 * ConfigAdmin PID {@code io.pigeon.client}, is registered as an {@link io.pigeon.client.MqttClient} service
 * with {@code pigeon.client.name=gateway}.
 * <p>
 * Whiteboard: every {@link io.pigeon.broker.MessageHandler} service with the property
 * {@value io.pigeon.client.MqttClients#TOPIC_PROPERTY} (String or String[]) is subscribed through the gateway's
 * connection while the service is registered, at the QoS in {@value io.pigeon.client.MqttClients#QOS_PROPERTY}
 * (default 0), and unsubscribed when it goes away.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.pigeon.client;
