package io.pigeon.broker.internal.handler.auth;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttProtocolException;
import io.pigeon.broker.internal.handler.PacketHandler;
import io.pigeon.broker.internal.handler.ReasonCodes;

/**
 * AUTH after CONNECT. Pigeon supports no MQTT 5 enhanced authentication method (a CONNECT naming one
 * is refused with CONNACK 0x8C in the connect package), so an AUTH naming a method gets DISCONNECT
 * 0x8C (Bad authentication method) and one without a method 0x82 (Protocol Error).
 * Stateless; channel's event loop.
 */
public final class AuthHandler implements PacketHandler {

    @Override
    public void handle(MqttConnection conn, MqttMessage m) {
        if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader vh
                && vh.properties().getProperty(MqttProperties.AUTHENTICATION_METHOD) != null) {
            throw new MqttProtocolException(ReasonCodes.BAD_AUTHENTICATION_METHOD, "authentication method '"
                    + vh.properties().getProperty(MqttProperties.AUTHENTICATION_METHOD).value()
                    + "' is not supported");
        }
        throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR,
                "AUTH without an authentication method agreed in CONNECT");
    }
}
