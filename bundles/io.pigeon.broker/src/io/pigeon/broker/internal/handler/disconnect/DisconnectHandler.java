package io.pigeon.broker.internal.handler.disconnect;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttProtocolException;
import io.pigeon.broker.internal.handler.PacketHandler;
import io.pigeon.broker.internal.handler.ReasonCodes;

/**
 * DISCONNECT from the client: drops the will unless the MQTT 5 reason is 0x04 (Disconnect with Will
 * Message), applies a new Session Expiry Interval, and closes. Stateless; channel's event loop.
 */
public final class DisconnectHandler implements PacketHandler {

    @Override
    public void handle(MqttConnection conn, MqttMessage m) {
        int reason = 0;
        if (conn.isV5() && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader vh) {
            reason = vh.reasonCode() & 0xFF;
            MqttProperties.MqttProperty<?> expiry = vh.properties().getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL);
            if (expiry != null) {
                long seconds = Integer.toUnsignedLong((Integer) expiry.value());
                if (conn.connectExpirySeconds() == 0 && seconds != 0) {
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR,
                            "DISCONNECT set a Session Expiry Interval after CONNECT had 0");
                }
                if (conn.session() != null) {
                    conn.session().expirySeconds(seconds == 0xFFFFFFFFL ? -1 : seconds);
                }
            }
        }
        conn.cleanDisconnect(reason != 0x04);
        conn.close(ReasonCodes.NONE, null);
    }
}
