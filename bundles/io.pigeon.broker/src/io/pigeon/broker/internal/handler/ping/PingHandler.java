package io.pigeon.broker.internal.handler.ping;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.PacketHandler;

/** PINGREQ -> PINGRESP. Stateless; channel's event loop. */
public final class PingHandler implements PacketHandler {

    private static final MqttMessage PINGRESP = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    @Override
    public void handle(MqttConnection conn, MqttMessage msg) {
        conn.write(PINGRESP);
    }
}
