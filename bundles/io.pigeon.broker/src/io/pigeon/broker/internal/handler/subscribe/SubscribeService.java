package io.pigeon.broker.internal.handler.subscribe;

import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttProtocolException;
import io.pigeon.broker.internal.handler.ReasonCodes;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.topic.SubscriptionEntry;
import io.pigeon.broker.internal.topic.Topics;

/**
 * SUBSCRIBE: validates each filter, grants at most {@code max_qos}, replaces an existing subscription to
 * the same filter, answers SUBACK and then sends retained messages as the Retain Handling option says.
 * Runs on the connection's event loop.
 */
public final class SubscribeService {

    private final MqttBroker broker;

    public SubscribeService(MqttBroker broker) {
        this.broker = broker;
    }

    public void subscribe(MqttConnection conn, MqttSubscribeMessage msg) {
        BrokerSettings s = broker.settings();
        Session session = conn.session();
        boolean v5 = conn.isV5();
        int packetId = msg.idAndPropertiesVariableHeader().messageId();
        MqttProperties props = msg.idAndPropertiesVariableHeader().properties();
        int subscriptionId = 0;
        if (v5) {
            MqttProperty<?> sid = props.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER);
            if (sid != null) {
                subscriptionId = (Integer) sid.value();
                if (subscriptionId <= 0) {
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "Subscription Identifier 0");
                }
            }
        }
        int subId = subscriptionId;
        List<MqttTopicSubscription> subs = msg.payload().topicSubscriptions();
        if (subs.isEmpty()) {
            throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "SUBSCRIBE without topic filters");
        }
        int[] codes = new int[subs.size()];
        List<Runnable> afterAck = new ArrayList<>();
        for (int i = 0; i < subs.size(); i++) {
            MqttTopicSubscription sub = subs.get(i);
            MqttSubscriptionOption opt = sub.option();
            Topics.ParsedFilter asSent = Topics.parseFilter(sub.topicFilter());
            Topics.ParsedFilter f = asSent == null ? null : Topics.parseFilter(conn.mountFilter(sub.topicFilter()));
            if (f == null) {
                codes[i] = v5 ? ReasonCodes.TOPIC_FILTER_INVALID : 0x80;
                broker.log().debug("Client " + conn.describe() + " sent invalid filter '" + sub.topicFilter() + "'");
                continue;
            }
            if (v5 && f.shared() && opt.isNoLocal()) {
                throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "No Local on a shared subscription");
            }
            if (!broker.authorizer().canSubscribe(conn.identity(), asSent.filter())) {
                codes[i] = v5 ? ReasonCodes.NOT_AUTHORIZED : 0x80;
                continue;
            }
            int qos = Math.min(opt.qos().value(), conn.maxQos());
            boolean noLocal = v5 && opt.isNoLocal();
            boolean rap = v5 && opt.isRetainAsPublished();
            int retainHandling = v5 ? opt.retainHandling().value() : 0;
            SubscriptionEntry entry = new SubscriptionEntry(session, f.filter(), f.shareGroup(), qos, noLocal, rap,
                    retainHandling, subId);
            boolean isNew = session.addSubscription(f.raw(), entry) == null;
            broker.tree().add(entry);
            codes[i] = qos;
            broker.events().fire(BrokerEvent.Type.SUBSCRIBED, conn.clientId(), conn.remoteAddress(), f.raw(), qos,
                    null);
            if (!f.shared() && s.retainAvailable() && (retainHandling == 0 || (retainHandling == 1 && isNew))) {
                afterAck.add(() -> sendRetained(session, f.filter(), qos, subId));
            }
        }
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        conn.write(new MqttSubAckMessage(fh,
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes)));
        for (Runnable r : afterAck) {
            r.run();
        }
    }

    private void sendRetained(Session session, String filter, int qos, int subscriptionId) {
        int[] ids = subscriptionId > 0 ? new int[] {subscriptionId} : null;
        for (PublishedMessage m : broker.retained().match(filter, broker.nanoTime())) {
            int q = broker.settings().upgradeOutgoingQos() ? qos : Math.min(qos, m.qos());
            session.deliver(m, q, true, ids);
        }
    }
}
