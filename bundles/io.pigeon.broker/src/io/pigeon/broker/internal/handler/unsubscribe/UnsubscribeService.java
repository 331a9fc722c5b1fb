package io.pigeon.broker.internal.handler.unsubscribe;

import java.util.List;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttProtocolException;
import io.pigeon.broker.internal.handler.ReasonCodes;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.internal.topic.Topics;

/** UNSUBSCRIBE: removes each subscription and answers UNSUBACK (0x11 for filters without one in MQTT 5). */
public final class UnsubscribeService {

    private static final short NO_SUBSCRIPTION_EXISTED = 0x11;

    private final MqttBroker broker;

    public UnsubscribeService(MqttBroker broker) {
        this.broker = broker;
    }

    public void unsubscribe(MqttConnection conn, MqttUnsubscribeMessage msg) {
        Session session = conn.session();
        List<String> filters = msg.payload().topics();
        if (filters.isEmpty()) {
            throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "UNSUBSCRIBE without topic filters");
        }
        short[] codes = new short[filters.size()];
        for (int i = 0; i < filters.size(); i++) {
            Topics.ParsedFilter f = Topics.parseFilter(filters.get(i)) == null ? null
                    : Topics.parseFilter(conn.mountFilter(filters.get(i)));
            if (f == null) {
                codes[i] = (short) ReasonCodes.TOPIC_FILTER_INVALID;
                continue;
            }
            SubscriptionEntry e = session.removeSubscription(f.raw());
            if (e == null) {
                codes[i] = NO_SUBSCRIPTION_EXISTED;
                continue;
            }
            broker.tree().remove(session, e.shareGroup(), e.filter());
            broker.events().fire(BrokerEvent.Type.UNSUBSCRIBED, conn.clientId(), conn.remoteAddress(), f.raw(), 0,
                    null);
        }
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        int packetId = msg.idAndPropertiesVariableHeader().messageId();
        conn.write(new MqttUnsubAckMessage(fh,
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                conn.isV5() ? new MqttUnsubAckPayload(codes) : null));
    }
}
