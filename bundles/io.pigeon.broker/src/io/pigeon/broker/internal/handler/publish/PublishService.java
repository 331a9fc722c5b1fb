package io.pigeon.broker.internal.handler.publish;

import java.util.concurrent.CompletableFuture;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttProtocolException;
import io.pigeon.broker.internal.handler.ReasonCodes;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishReceipt;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.store.MemoryStore;
import io.pigeon.broker.spi.DurableStore;
import io.pigeon.broker.internal.topic.Topics;

/**
 * Incoming PUBLISH and the acknowledgement flows in both directions. QoS 2 is received with
 * "method B": the message is published on PUBLISH and its packet id remembered until PUBREL, so a
 * resent PUBLISH is acknowledged again but not published twice.
 * <p>
 * Durability: the PUBACK/PUBREC of a QoS 1/2 message goes out only when nothing of it can be lost any more, and in the
 * order the PUBLISH packets came: each delivery to a persistent session is acknowledged by its client or on disk
 * (its {@link PublishReceipt}), and the other writes it caused (a retained message, the QoS 2 packet id of a
 * persistent publisher) are synced, as are the publisher's own earlier session changes (its subscriptions and will). While the store cannot write, new QoS 1/2 messages are refused: MQTT 5 gets
 * 0x97 (quota exceeded), MQTT 3.x gets no acknowledgement and sends the message again later.
 * <p>
 * Runs on the connection's event loop. Does not take ownership of the PUBLISH: the handler releases it.
 */
public final class PublishService {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final MqttBroker broker;

    public PublishService(MqttBroker broker) {
        this.broker = broker;
    }

    public void publish(MqttConnection conn, MqttPublishMessage msg) {
        BrokerSettings s = broker.settings();
        Session session = conn.session();
        int qos = msg.fixedHeader().qosLevel().value();
        int packetId = msg.variableHeader().packetId();
        boolean retain = msg.fixedHeader().isRetain();
        MqttProperties props = msg.variableHeader().properties();
        String topic = msg.variableHeader().topicName();
        boolean v5 = conn.isV5();

        int maxQos = conn.maxQos();
        if (qos > maxQos) {
            throw new MqttProtocolException(ReasonCodes.QOS_NOT_SUPPORTED, "PUBLISH with QoS " + qos
                    + " above max_qos " + maxQos);
        }
        if (retain && !s.retainAvailable()) {
            throw new MqttProtocolException(ReasonCodes.RETAIN_NOT_SUPPORTED, "retained PUBLISH, retain not available");
        }
        if (v5) {
            topic = resolveAlias(conn, topic, props, s);
        }
        if (!TopicFilters.isValidTopicName(topic)) {
            throw new MqttProtocolException(ReasonCodes.TOPIC_NAME_INVALID, "invalid topic name '" + topic + "'");
        }
        if (qos == 2 && !session.receivedQos2(packetId)) {
            // a resend: acknowledged again, after the first one (whose writes may still be syncing)
            session.acknowledgeWhenStored(broker.store().synced(), () -> acknowledge(conn, 2, packetId, 0, null),
                    () -> refuseUnstored(conn, session, 2, packetId, msg.variableHeader().topicName()));
            return;
        }
        if (qos == 2 && session.awaitingPubrelCount() > s.inflightWindow()) {
            throw new MqttProtocolException(ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED,
                    "more than " + s.inflightWindow() + " QoS 2 messages unacknowledged");
        }
        int payloadBytes = msg.payload().readableBytes();
        broker.metrics().publishReceived(payloadBytes);
        conn.countPublish(payloadBytes);

        int reason = ReasonCodes.SUCCESS;
        String reasonString = null;
        if (s.messageSizeLimit() > 0 && payloadBytes > s.messageSizeLimit()) {
            reason = ReasonCodes.QUOTA_EXCEEDED;
            reasonString = "payload above message_size_limit " + s.messageSizeLimit();
        } else if (Topics.isSys(topic)) {
            reason = ReasonCodes.NOT_AUTHORIZED;
            reasonString = "$SYS is read-only";
        } else if (!broker.authorizer().canPublish(conn.identity(), topic)) {
            reason = ReasonCodes.NOT_AUTHORIZED;
            reasonString = "not authorized";
        } else if (v5 && !MessageConversion.payloadFormatValid(props, msg.payload())) {
            reason = ReasonCodes.PAYLOAD_FORMAT_INVALID;
            reasonString = "payload is not UTF-8 as its Payload Format Indicator says";
        } else if (qos > 0 && !broker.store().isWritable()) {
            refuseUnstored(conn, session, qos, packetId, topic);
            return;
        }
        DurableStore store = broker.store();
        boolean persistent = !MemoryStore.isMemory(store);
        PublishReceipt receipt = null;
        // writes besides the deliveries: the QoS 2 id of a persistent publisher and its other session changes, the
        // retained message
        boolean wrote = session.takeUnsyncedChanges();
        if (reason == ReasonCodes.SUCCESS) {
            long now = broker.nanoTime();
            PublishedMessage m = new PublishedMessage(conn.mount(topic), msg.payload(), qos, retain,
                    MessageConversion.passThrough(props),
                    MessageConversion.expiryDeadline(MessageConversion.expirySeconds(props), now), conn.clientId());
            receipt = qos > 0 && persistent ? new PublishReceipt() : null;
            wrote |= retain && persistent;
            int n = broker.router().route(m, conn.remoteAddress(), receipt);
            if (n == 0 && v5) {
                reason = ReasonCodes.NO_MATCHING_SUBSCRIBERS;
            }
        } else {
            broker.metrics().publishDropped();
            broker.log().debug("Denied PUBLISH from " + conn.describe() + " to '" + topic + "': " + reasonString);
        }
        if (qos == 0) {
            return;
        }
        if (qos == 2 && reason >= 0x80) {
            session.pubrel(packetId);
        }
        int code = reason;
        String text = reasonString;
        String topicName = topic;
        CompletableFuture<Void> safe = receipt == null ? DONE : receipt.seal();
        if (wrote) {
            safe = safe.isDone() && !safe.isCompletedExceptionally() ? store.synced()
                    : CompletableFuture.allOf(safe, store.synced());
        }
        session.acknowledgeWhenStored(safe, () -> acknowledge(conn, qos, packetId, code, text),
                () -> refuseUnstored(conn, session, qos, packetId, topicName));
    }

    private static void acknowledge(MqttConnection conn, int qos, int packetId, int reason, String reasonString) {
        EventLoop loop = conn.channel().eventLoop();
        if (!loop.inEventLoop()) {
            // the session moved to a new connection's loop while the store synced; this connection is closing
            loop.execute(() -> acknowledge(conn, qos, packetId, reason, reasonString));
            return;
        }
        MqttMessageType type = qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC;
        conn.write(conn.pubReply(type, MqttQoS.AT_MOST_ONCE, packetId, reason, reasonString));
    }

    /**
     * The message could not be stored: it is not acknowledged as received. MQTT 5 clients get 0x97 (quota exceeded);
     * MQTT 3.x has no refusal, so they get no PUBACK/PUBREC and send the message again on their next connection.
     * The store logs why it cannot write and what to do.
     */
    private void refuseUnstored(MqttConnection conn, Session session, int qos, int packetId, String topic) {
        broker.metrics().publishDropped();
        broker.log().debug("Refused QoS " + qos + " PUBLISH from " + conn.describe() + " to '" + topic
                + "': the durable store cannot write");
        if (qos == 2) {
            session.pubrel(packetId);
        }
        if (conn.isV5()) {
            acknowledge(conn, qos, packetId, ReasonCodes.QUOTA_EXCEEDED,
                    "the broker cannot store messages now (see its log)");
        }
    }

    private static String resolveAlias(MqttConnection conn, String topic, MqttProperties props, BrokerSettings s) {
        MqttProperty<?> p = props.getProperty(MqttProperties.TOPIC_ALIAS);
        if (p == null) {
            if (topic.isEmpty()) {
                throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "empty topic without a Topic Alias");
            }
            return topic;
        }
        int alias = (Integer) p.value();
        String[] table = conn.inboundAliases();
        if (alias == 0 || alias >= table.length) {
            throw new MqttProtocolException(ReasonCodes.TOPIC_ALIAS_INVALID,
                    "Topic Alias " + alias + " outside 1.." + (table.length - 1));
        }
        if (topic.isEmpty()) {
            String known = table[alias];
            if (known == null) {
                throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "unknown Topic Alias " + alias);
            }
            return known;
        }
        table[alias] = topic;
        return topic;
    }

    public void puback(MqttConnection conn, int packetId) {
        conn.session().puback(packetId);
    }

    public void pubrec(MqttConnection conn, int packetId, int reasonCode) {
        int rel = conn.session().pubrec(packetId, reasonCode);
        if (rel >= 0) {
            conn.sendPubrel(packetId, conn.isV5() ? rel : 0);
        }
    }

    public void pubrel(MqttConnection conn, int packetId) {
        boolean known = conn.session().pubrel(packetId);
        int reason = known || !conn.isV5() ? 0 : ReasonCodes.PACKET_ID_NOT_FOUND;
        conn.write(conn.pubReply(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, packetId, reason, null));
    }

    public void pubcomp(MqttConnection conn, int packetId) {
        conn.session().pubcomp(packetId);
    }
}
