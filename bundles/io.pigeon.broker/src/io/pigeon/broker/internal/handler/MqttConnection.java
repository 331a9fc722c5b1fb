package io.pigeon.broker.internal.handler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.session.ClientConnection;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.tls.ListenerTls;
import io.pigeon.broker.internal.topic.Topics;
import io.pigeon.broker.internal.will.WillMessage;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * The state of one network connection: protocol level, client limits, topic aliases, will, and the
 * session it is attached to; and the outgoing packets. Kept in a channel attribute.
 * <p>
 * Threading: runs on the channel's event loop only. Writes are flushed once per event loop turn through one
 * scheduled flush task, queued at the end of a read batch ({@link MqttMessageGuard#channelReadComplete}) or at
 * the first write of a message from another connection.
 */
public final class MqttConnection implements ClientConnection {

    public static final AttributeKey<MqttConnection> KEY = AttributeKey.valueOf("io.pigeon.broker.connection");

    public enum State { AWAIT_CONNECT, CONNECTING, CONNECTED }

    /** Seconds a connection the broker ends may stay half-closed while the client reads the last packet. */
    static final int LINGER_SECONDS = 2;

    private final Channel channel;
    private final MqttBroker broker;
    private final String remoteAddress;
    private final Runnable flushTask = this::flushNow;
    private final Runnable readTimeoutCheck = this::checkReadTimeout;
    State state = State.AWAIT_CONNECT;
    private int protocolLevel = 4;
    private String clientId;
    private ClientIdentity identity;
    private Session session;
    private WillMessage will;
    private boolean cleanDisconnect;
    private boolean closing;
    private boolean takenOver;
    private long connectExpirySeconds;
    private int clientReceiveMaximum = 65535;
    private int clientMaxPacketSize;
    private int clientTopicAliasMaximum;
    private String[] inboundAliases;
    private Map<String, Integer> outboundAliases;
    private boolean inRead;
    private long lastReadNanos;
    private long readTimeoutNanos;
    private ScheduledFuture<?> readTimer;
    private boolean writtenInRead;
    private boolean flushScheduled;
    private ArrayDeque<Object> pending;
    private long packetsDecoded;
    private boolean cleanStart;
    private volatile long connectedAtMillis;
    // per-client traffic for the console: plain fields written on this connection's loop only, so the publish path
    // pays two increments and no memory barrier; readers on other threads may see slightly old values
    private long publishesReceived;
    private long publishBytesReceived;
    private ListenerSettings listener = ListenerSettings.NONE;
    ChannelHandlerContext guardContext;

    public MqttConnection(Channel channel, MqttBroker broker) {
        this.channel = channel;
        this.broker = broker;
        this.remoteAddress = address(channel);
    }

    public static MqttConnection of(Channel channel) {
        return channel.attr(KEY).get();
    }

    private static String address(Channel ch) {
        Object a = ch.remoteAddress();
        if (a instanceof java.net.InetSocketAddress isa) {
            return isa.getAddress() == null ? isa.getHostString() + ":" + isa.getPort()
                    : isa.getAddress().getHostAddress() + ":" + isa.getPort();
        }
        return String.valueOf(a);
    }

    // ---- state ----

    public Channel channel() {
        return channel;
    }

    public MqttBroker broker() {
        return broker;
    }

    public State state() {
        return state;
    }

    public void state(State s) {
        this.state = s;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public int protocolLevel() {
        return protocolLevel;
    }

    public void protocolLevel(int level) {
        this.protocolLevel = level;
    }

    public boolean isV5() {
        return protocolLevel == 5;
    }

    public String clientId() {
        return clientId;
    }

    public ClientIdentity identity() {
        return identity;
    }

    public void identity(ClientIdentity id) {
        this.identity = id;
        this.clientId = id.clientId();
    }

    public Session session() {
        return session;
    }

    public void session(Session s) {
        this.session = s;
    }

    public WillMessage will() {
        return will;
    }

    public void will(WillMessage w) {
        this.will = w;
    }

    public boolean cleanDisconnect() {
        return cleanDisconnect;
    }

    public void cleanDisconnect(boolean clean) {
        this.cleanDisconnect = clean;
    }

    @Override
    public boolean closing() {
        return closing;
    }

    public boolean takenOver() {
        return takenOver;
    }

    public long connectExpirySeconds() {
        return connectExpirySeconds;
    }

    public void connectExpirySeconds(long s) {
        this.connectExpirySeconds = s;
    }

    @Override
    public int clientReceiveMaximum() {
        return clientReceiveMaximum;
    }

    public void clientLimits(int receiveMaximum, int maxPacketSize, int topicAliasMaximum) {
        this.clientReceiveMaximum = receiveMaximum;
        this.clientMaxPacketSize = maxPacketSize;
        this.clientTopicAliasMaximum = topicAliasMaximum;
    }

    /** Inbound topic alias table, sized by the Topic Alias Maximum at CONNECT. */
    public String[] inboundAliases() {
        if (inboundAliases == null) {
            inboundAliases = new String[maxTopicAlias() + 1];
        }
        return inboundAliases;
    }

    // ---- the listener's settings, falling back to the broker's ----

    public void listener(ListenerSettings settings) {
        this.listener = settings == null ? ListenerSettings.NONE : settings;
    }

    /**
     * Whether the listener takes the user name from the client's TLS certificate (Mosquitto's
     * {@code use_identity_as_username} / {@code use_subject_as_username}): then the certificate, checked in the TLS
     * handshake, is the client's credential, and the user name and password in CONNECT are not used.
     */
    public boolean usernameFromCertificate() {
        return listener.tls() != null && listener.tls().username() != ListenerTls.CertificateUsername.NONE;
    }

    /** The user name from the client's certificate (see {@link #usernameFromCertificate()}), or null for none. */
    public String certificateUsername() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (!usernameFromCertificate() || ssl == null) {
            return null;
        }
        return listener.tls().username().of(ssl.engine().getSession());
    }

    /** The configuration PID of the listener this client connected through, "" for the built-in default one. */
    public String listenerName() {
        return listener.name();
    }

    /** The highest QoS for this client: its listener's {@code max_qos}, else the broker's. */
    public int maxQos() {
        return listener.maxQos() >= 0 ? listener.maxQos() : broker.settings().maxQos();
    }

    /** The Topic Alias Maximum for this client: its listener's, else the broker's. */
    public int maxTopicAlias() {
        return listener.maxTopicAlias() >= 0 ? listener.maxTopicAlias() : broker.settings().maxTopicAlias();
    }

    /** A topic or filter from the client as the broker keeps it: with the listener's mount point in front. */
    public String mount(String topic) {
        return listener.mountPoint().isEmpty() ? topic : listener.mountPoint() + topic;
    }

    /** A topic filter from the client, {@code $share/<group>/} kept in front of the mount point. */
    public String mountFilter(String filter) {
        String mp = listener.mountPoint();
        if (mp.isEmpty()) {
            return filter;
        }
        if (filter.startsWith(Topics.SHARE_PREFIX)) {
            int slash = filter.indexOf('/', Topics.SHARE_PREFIX.length());
            if (slash > 0) {
                return filter.substring(0, slash + 1) + mp + filter.substring(slash + 1);
            }
        }
        return mp + filter;
    }

    /** A topic as this client sees it: without the mount point. */
    public String unmount(String topic) {
        String mp = listener.mountPoint();
        return !mp.isEmpty() && topic.startsWith(mp) ? topic.substring(mp.length()) : topic;
    }

    @Override
    public boolean mayReceive(String topic) {
        return identity == null || broker.authorizer().canReceive(identity, unmount(topic));
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    boolean inRead() {
        return inRead;
    }

    void inRead(boolean reading) {
        this.inRead = reading;
    }

    /** Counts every message out of the decoder, so the framer can tell whether a packet produced one. */
    void packetDecoded() {
        packetsDecoded++;
    }

    public long packetsDecoded() {
        return packetsDecoded;
    }

    /** Packets that arrived while the session was being opened on another event loop. */
    ArrayDeque<Object> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>();
        }
        return pending;
    }

    ArrayDeque<Object> pendingOrNull() {
        return pending;
    }

    // ---- writing ----

    /**
     * Writes a packet; flushed by one task on this loop's turn, queued at the end of this connection's read batch
     * or, for a packet from elsewhere (a subscriber's PUBLISH), at the first write. So within one turn the
     * subscribers' PUBLISHes reach the socket before the publisher's PUBACK, as Mosquitto sends them, and the
     * delivery does not wait for the acknowledgement's system call and for the publisher to read it.
     */
    public void write(MqttMessage m) {
        if (!channel.isActive()) {
            ReferenceCountUtil.release(m);
            return;
        }
        broker.metrics().messageSent();
        channel.write(m, channel.voidPromise());
        if (!channel.isWritable()) {
            // unflushed packets count against the water mark: hand them to the socket before the
            // session treats this client as slow and starts queueing (and dropping QoS 0)
            channel.flush();
        } else if (inRead) {
            writtenInRead = true;
        } else {
            flushLater();
        }
    }

    /**
     * Closes the connection when no packet arrives for this long: the time to send CONNECT, then one and a half
     * times the keep alive; 0 for none. Replaces the previous timeout. One timer task per connection, rescheduled
     * when it fires early (rather than Netty's IdleStateHandler, a pipeline member with its own context and task).
     */
    public void readTimeout(long millis) {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
        readTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        if (readTimeoutNanos > 0 && channel.isOpen()) {
            lastReadNanos = channel.eventLoop().ticker().nanoTime();
            readTimer = channel.eventLoop().schedule(readTimeoutCheck, readTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkReadTimeout() {
        readTimer = null;
        if (!channel.isOpen() || closing) {
            return;
        }
        long left = readTimeoutNanos - (channel.eventLoop().ticker().nanoTime() - lastReadNanos);
        if (left > 0) {
            readTimer = channel.eventLoop().schedule(readTimeoutCheck, left, TimeUnit.NANOSECONDS);
        } else if (state == State.CONNECTED) {
            broker.log().info("Client " + describe() + " has exceeded its keep alive timeout, disconnecting");
            close(ReasonCodes.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
        } else {
            broker.log().info("Connection from " + remoteAddress + " sent no CONNECT in time, closing");
            close(ReasonCodes.NONE, null);
        }
    }

    /** The connection has closed: drops its timer at once rather than when it would fire. */
    void closed() {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }

    /** The end of this connection's read batch: what it wrote goes out after the flushes already queued. */
    void readComplete() {
        if (inRead && readTimer != null) {
            lastReadNanos = channel.eventLoop().ticker().nanoTime();
        }
        inRead = false;
        if (writtenInRead) {
            writtenInRead = false;
            flushLater();
        }
    }

    private void flushLater() {
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    @Override
    public boolean sendPublish(PublishedMessage m, ByteBuf payload, int qos, boolean retain, boolean dup, int packetId,
            int[] subscriptionIds) {
        String topic = unmount(m.topic());
        MqttProperties props = m.properties();
        if (protocolLevel == 5) {
            long now = broker.nanoTime();
            boolean extra = subscriptionIds.length > 0 || m.hasExpiry() || clientTopicAliasMaximum > 0;
            if (extra) {
                MqttProperties p = new MqttProperties();
                for (MqttProperty<?> prop : props.listAll()) {
                    p.add(prop);
                }
                for (int id : subscriptionIds) {
                    p.add(new IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id));
                }
                if (m.hasExpiry()) {
                    p.add(new IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
                            (int) m.remainingExpirySeconds(now)));
                }
                if (clientTopicAliasMaximum > 0) {
                    if (outboundAliases == null) {
                        outboundAliases = new HashMap<>();
                    }
                    Integer alias = outboundAliases.get(topic);
                    if (alias != null) {
                        p.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS, alias));
                        topic = "";
                    } else if (outboundAliases.size() < clientTopicAliasMaximum) {
                        alias = outboundAliases.size() + 1;
                        outboundAliases.put(topic, alias);
                        p.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS, alias));
                    }
                }
                props = p;
            }
            if (clientMaxPacketSize > 0
                    && PacketSizes.publish(topic, qos, props, payload.readableBytes()) > clientMaxPacketSize) {
                if (!topic.isEmpty() && outboundAliases != null) {
                    Integer a = outboundAliases.get(topic);
                    if (a != null && a == outboundAliases.size()) {
                        outboundAliases.remove(topic);
                    }
                }
                payload.release();
                return false;
            }
        }
        broker.metrics().publishSent(payload.readableBytes());
        write(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, packetId, props), payload));
        return true;
    }

    @Override
    public void sendPubrel(int packetId, int reasonCode) {
        write(pubReply(MqttMessageType.PUBREL, MqttQoS.AT_LEAST_ONCE, packetId, reasonCode, null));
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP; the reason code and string only go to MQTT 5 clients. */
    public MqttMessage pubReply(MqttMessageType type, MqttQoS qos, int packetId, int reasonCode, String reason) {
        MqttFixedHeader fh = new MqttFixedHeader(type, false, qos, false, 0);
        if (protocolLevel == 5 && (reasonCode != 0 || reason != null)) {
            return new MqttMessage(fh, new MqttPubReplyMessageVariableHeader(packetId, (byte) reasonCode,
                    reasonProps(reason)));
        }
        return new MqttMessage(fh, MqttMessageIdVariableHeader.from(packetId));
    }

    public void sendConnack(int code, boolean sessionPresent, MqttProperties props) {
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        write(new MqttConnAckMessage(fh, new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf((byte) code),
                sessionPresent, props == null ? MqttProperties.NO_PROPERTIES : props)));
    }

    /** Sends CONNACK with a failure code and closes. */
    public void refuseConnect(int code, String reason) {
        MqttProperties p = protocolLevel == 5 ? reasonProps(reason) : MqttProperties.NO_PROPERTIES;
        closing = true;
        MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        broker.metrics().messageSent();
        channel.writeAndFlush(new MqttConnAckMessage(fh, new MqttConnAckVariableHeader(
                MqttConnectReturnCode.valueOf((byte) code), false, p))).addListener(f -> closeGracefully());
    }

    /**
     * Closes after the last packet: shuts down our side first and closes when the client does (or after
     * {@link #LINGER_SECONDS}), so packets the client had in flight do not turn into a TCP reset that
     * destroys the DISCONNECT or CONNACK before the client reads it. Inbound packets are dropped meanwhile.
     */
    private void closeGracefully() {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, LINGER_SECONDS, TimeUnit.SECONDS);
        } else {
            channel.close();
        }
    }

    @Override
    public void disconnect(int reasonCode, String reason, boolean publishWill) {
        if (reasonCode == ReasonCodes.SESSION_TAKEN_OVER) {
            takenOver = true;
        }
        if (!publishWill) {
            cleanDisconnect = true;
        }
        close(reasonCode, reason);
    }

    /** Closes the connection, first sending an MQTT 5 DISCONNECT with the reason code when there is one. */
    public void close(int reasonCode, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        if (protocolLevel == 5 && state != State.AWAIT_CONNECT && reasonCode != ReasonCodes.NONE
                && channel.isActive()) {
            MqttFixedHeader fh = new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0);
            broker.metrics().messageSent();
            channel.writeAndFlush(new MqttMessage(fh, new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode,
                    reasonProps(reason)))).addListener(f -> {
                        if (reasonCode == ReasonCodes.SESSION_TAKEN_OVER) {
                            // like Mosquitto: the old connection goes at once, the new one owns the session
                            channel.close();
                        } else {
                            closeGracefully();
                        }
                    });
        } else {
            channel.flush();
            channel.close();
        }
    }

    private static MqttProperties reasonProps(String reason) {
        if (reason == null) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties p = new MqttProperties();
        p.add(new StringProperty(MqttProperties.REASON_STRING, reason));
        return p;
    }

    @Override
    public String username() {
        return identity == null ? null : identity.username();
    }

    @Override
    public boolean cleanStart() {
        return cleanStart;
    }

    @Override
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** The broker accepted the CONNECT (connection loop). */
    public void connected(boolean cleanStartFlag, long nowMillis) {
        this.cleanStart = cleanStartFlag;
        this.connectedAtMillis = nowMillis;
    }

    /** Counts one PUBLISH from this client (connection loop). */
    public void countPublish(int payloadBytes) {
        publishesReceived++;
        publishBytesReceived += payloadBytes;
    }

    @Override
    public long publishesReceived() {
        return publishesReceived;
    }

    @Override
    public long publishBytesReceived() {
        return publishBytesReceived;
    }

    /** "client-id (address)" for log messages. */
    public String describe() {
        return (clientId == null ? "<unknown>" : clientId) + " (" + remoteAddress + ")";
    }

    /** Byte length helper for UTF-8 strings. */
    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
