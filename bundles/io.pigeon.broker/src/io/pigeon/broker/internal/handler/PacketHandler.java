package io.pigeon.broker.internal.handler;

import io.netty.handler.codec.mqtt.MqttMessage;

/**
 * The handler of one packet type (or of the PUBLISH flow's five), called by {@link PacketDispatcher} for each packet
 * the guard let through. Not a pipeline member: one dispatcher context per connection instead of one context per
 * packet type. Runs on the channel's event loop; an exception thrown here ends in the dispatcher's error mapping.
 */
public interface PacketHandler {

    void handle(MqttConnection conn, MqttMessage msg);
}
