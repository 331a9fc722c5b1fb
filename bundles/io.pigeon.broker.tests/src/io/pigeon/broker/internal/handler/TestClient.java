package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.netty.MqttChannelInitializer;

/**
 * A test client: encodes packets with the real MqttEncoder, feeds the bytes to a broker pipeline on an
 * EmbeddedChannel, and decodes what the broker writes with the real MqttDecoder. Received PUBLISH
 * payloads are copied to heap buffers so tests need not release them.
 */
public final class TestClient {

    /** The attribute netty-codec-mqtt keeps the protocol version in. */
    static final AttributeKey<MqttVersion> VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    public final EmbeddedChannel server;
    private final EmbeddedChannel encoder;
    private final EmbeddedChannel decoder;
    private final int level;

    /** Every client of the running test class, so their channels can be emptied before the leak check. */
    private static final List<TestClient> CREATED = new CopyOnWriteArrayList<>();

    TestClient(TestBroker broker, int level, ListenerSettings listener) {
        CREATED.add(this);
        this.level = level;
        server = new EmbeddedChannel();
        MqttChannelInitializer.configure(server.pipeline(), broker.broker, broker.handlers, listener);
        MqttVersion v = version(level);
        encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        encoder.attr(VERSION).set(v);
        decoder = new EmbeddedChannel(new MqttDecoder(1 << 20));
        decoder.attr(VERSION).set(v);
    }

    static MqttVersion version(int level) {
        return switch (level) {
            case 3 -> MqttVersion.MQTT_3_1;
            case 4 -> MqttVersion.MQTT_3_1_1;
            default -> MqttVersion.MQTT_5;
        };
    }

    // ---- sending ----

    public void send(MqttMessage m) {
        assertTrue(encoder.writeOutbound(m));
        ByteBuf b;
        while ((b = encoder.readOutbound()) != null) {
            server.writeInbound(b);
        }
        server.runPendingTasks();
    }

    public void sendRaw(int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        server.writeInbound(Unpooled.wrappedBuffer(raw));
        server.runPendingTasks();
    }

    public void connect(String clientId, boolean clean) {
        connect(clientId, clean, 60, null);
    }

    public void connect(String clientId, boolean clean, int keepAlive, MqttProperties props) {
        send(MqttMessageBuilders.connect().protocolVersion(version(level)).clientId(clientId).cleanSession(clean)
                .keepAlive(keepAlive).properties(props == null ? MqttProperties.NO_PROPERTIES : props).build());
    }

    public void publish(String topic, String payload, int qos, boolean retain, int packetId) {
        publish(topic, payload, qos, retain, packetId, MqttProperties.NO_PROPERTIES, false);
    }

    public void publish(String topic, String payload, int qos, boolean retain, int packetId, MqttProperties props,
            boolean dup) {
        send(new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, packetId, props),
                Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)));
    }

    public void subscribe(int packetId, String filter, int qos) {
        send(MqttMessageBuilders.subscribe().messageId(packetId).addSubscription(MqttQoS.valueOf(qos), filter).build());
    }

    public void subscribe(int packetId, String filter, MqttSubscriptionOption option, MqttProperties props) {
        send(MqttMessageBuilders.subscribe().messageId(packetId).addSubscription(filter, option)
                .properties(props == null ? MqttProperties.NO_PROPERTIES : props).build());
    }

    public void ack(MqttMessageType type, int packetId) {
        MqttQoS q = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        send(new MqttMessage(new MqttFixedHeader(type, false, q, false, 0), MqttMessageIdVariableHeader.from(packetId)));
    }

    public void disconnect(int reasonCode) {
        send(MqttMessageBuilders.disconnect().reasonCode((byte) reasonCode).build());
    }

    // ---- receiving ----

    /** The next packet the broker sent, or null. */
    public MqttMessage next() {
        server.runPendingTasks();
        ByteBuf b;
        while ((b = server.readOutbound()) != null) {
            decoder.writeInbound(b);
        }
        MqttMessage m = decoder.readInbound();
        if (m instanceof MqttPublishMessage p) {
            // A wrapped byte[] is not tracked by the leak detector, so tests need not release it.
            MqttPublishMessage copy = p.replace(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(p.payload())));
            ReferenceCountUtil.release(p);
            return copy;
        }
        return m;
    }

    public List<MqttMessage> all() {
        List<MqttMessage> out = new ArrayList<>();
        MqttMessage m;
        while ((m = next()) != null) {
            out.add(m);
        }
        return out;
    }

    public MqttMessage expect(MqttMessageType type) {
        MqttMessage m = next();
        assertNotNull(m, "expected " + type + " but nothing was sent");
        assertEquals(type, m.fixedHeader().messageType(), "unexpected packet " + m);
        return m;
    }

    public MqttConnAckMessage expectConnack(int code) {
        MqttConnAckMessage ack = (MqttConnAckMessage) expect(MqttMessageType.CONNACK);
        assertEquals(code, ack.variableHeader().connectReturnCode().byteValue() & 0xFF, "CONNACK code");
        return ack;
    }

    public MqttPublishMessage expectPublish(String topic, String payload) {
        MqttPublishMessage p = (MqttPublishMessage) expect(MqttMessageType.PUBLISH);
        if (topic != null) {
            assertEquals(topic, p.variableHeader().topicName());
        }
        assertEquals(payload, p.payload().toString(StandardCharsets.UTF_8));
        return p;
    }

    public int expectSuback(int... codes) {
        MqttSubAckMessage ack = (MqttSubAckMessage) expect(MqttMessageType.SUBACK);
        List<Integer> got = ack.payload().reasonCodes();
        assertEquals(codes.length, got.size());
        for (int i = 0; i < codes.length; i++) {
            assertEquals(codes[i], (int) got.get(i), "SUBACK code " + i);
        }
        return ack.variableHeader().messageId();
    }

    /** Expects PUBACK/PUBREC/PUBREL/PUBCOMP and returns its reason code (0 when absent). */
    public int expectReply(MqttMessageType type, int packetId) {
        MqttMessage m = expect(type);
        assertEquals(packetId, ((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
        return m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r ? r.reasonCode() & 0xFF : 0;
    }

    /** Expects an MQTT 5 DISCONNECT with the reason code, and the connection closed. */
    public void expectDisconnect(int reasonCode) {
        MqttMessage m = expect(MqttMessageType.DISCONNECT);
        assertEquals(reasonCode, ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xFF,
                "DISCONNECT reason code");
        assertClosed();
    }

    public void expectNothing() {
        MqttMessage m = next();
        assertEquals(null, m, "expected no packet");
    }

    public void assertClosed() {
        server.runPendingTasks();
        assertFalse(server.isActive(), "connection should be closed");
    }

    public void assertOpen() {
        server.runPendingTasks();
        assertTrue(server.isActive(), "connection should be open");
    }

    public void advance(long seconds) {
        server.advanceTimeBy(seconds, TimeUnit.SECONDS);
        server.runScheduledPendingTasks();
        server.runPendingTasks();
    }

    /** Drops the connection without DISCONNECT, like a lost socket. */
    public void drop() {
        // unsafe().close() instead of close(): EmbeddedChannel.close() also cancels the loop's timers,
        // which a real event loop would keep running (session expiry, will delay)
        server.unsafe().close(server.voidPromise());
        server.runPendingTasks();
    }

    /** Releases what the clients' channels still hold: packets the broker sent that a test did not read. */
    static void releaseAll() {
        for (TestClient client : CREATED) {
            client.server.finishAndReleaseAll();
            client.encoder.finishAndReleaseAll();
            client.decoder.finishAndReleaseAll();
        }
        CREATED.clear();
    }

    public static String text(MqttPublishMessage p) {
        return ByteBufUtil.hexDump(p.payload()).isEmpty() ? "" : p.payload().toString(StandardCharsets.UTF_8);
    }
}
