package io.pigeon.client.internal.remote;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribePayload;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.TopicFilters;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.ConnectionStateListener;
import io.pigeon.client.MqttClientException;
import io.pigeon.client.SubscribeOptions;
import io.pigeon.client.internal.ClientState;
import io.pigeon.client.internal.OfflineBuffer;
import io.pigeon.client.internal.OwnedClient;
import io.pigeon.client.internal.ServerUri;

import org.osgi.service.log.Logger;

/**
 * A client of a remote broker on Netty's MQTT codec, over TCP, TLS or WebSockets, with failover across the server
 * list, reconnects with exponential backoff, keep alive, QoS 1/2 in flight retransmitted after a reconnect, and
 * the offline buffer.
 * <p>
 * Threading: every field below the options belongs to the client's one event loop; the public methods hand their work
 * to it. Handlers and state listeners therefore run on that loop, and must not block.
 */
public final class RemoteClient implements OwnedClient {

    /** The largest packet the decoder accepts from the broker. */
    private static final int MAX_PACKET = 268_435_455;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    /** How long {@link #close()} waits for the DISCONNECT to be written and the connection closed. */
    private static final int CLOSE_WAIT_SECONDS = 2;
    /** How often a client on a later server checks whether the first accepts connections again (as Mosquitto). */
    private static final int PRIMARY_CHECK_SECONDS = 5;

    private final ClientOptions options;
    private final List<ServerUri> servers;
    private final Logger log;
    private final String name;
    private final EventLoop loop;
    private final SslContext ssl;
    private final ClientState state;

    // ---- event loop only ----
    private final OfflineBuffer queue;
    private final Map<Integer, InFlight> inflight = new LinkedHashMap<>();
    private final Map<Integer, List<List<RemoteSubscription>>> subscribing = new LinkedHashMap<>();
    private final Map<Integer, List<RemoteSubscription>> unsubscribing = new LinkedHashMap<>();
    private final List<RemoteSubscription> subscriptions = new ArrayList<>();
    /** Filters unsubscribed while disconnected that a kept session still has. */
    private final Map<String, List<RemoteSubscription>> unsubscribeLater = new LinkedHashMap<>();
    private final Set<Integer> receivedQos2 = new HashSet<>();
    private Channel channel;
    private boolean connected;
    private boolean closed;
    private boolean tryPrivate;
    private int nextPacketId = 1;
    private int sendWindow = 65535;
    private int maximumQos = 2;
    private long delayMs;
    private ScheduledFuture<?> retry;
    private String lostReason;
    /** The server the current round of attempts started with; the round ends when the next would be it again. */
    private int roundFirst;
    /** The server of the current connection (or of the last one). */
    private int connectedIndex;
    /** The largest PUBLISH packet the broker takes: the option's limit and the CONNACK's, 0 for none. */
    private int maximumPacket;
    private ScheduledFuture<?> primaryCheck;
    /** Set when the connection to a later server is closed to move back to the first one. */
    private boolean movingToPrimary;

    /** One QoS 1/2 publish between PUBLISH and its final acknowledgement. */
    private static final class InFlight {
        final Message message;
        final CompletableFuture<Void> done;
        /** PUBREC received: waiting for PUBCOMP, PUBREL is what to resend. */
        boolean released;

        InFlight(Message message, CompletableFuture<Void> done) {
            this.message = message;
            this.done = done;
        }
    }

    /**
     * @throws IllegalArgumentException for TLS files that cannot be used
     */
    public RemoteClient(ClientOptions options, List<ServerUri> servers, EventLoop loop, Logger log) {
        this.options = options;
        this.servers = List.copyOf(servers);
        this.loop = loop;
        this.log = log;
        this.name = "MQTT client '" + options.clientId() + "' (" + String.join(", ", options.servers()) + ")";
        this.ssl = servers.stream().anyMatch(ServerUri::isTls) ? TlsContexts.forClient(options.tls()) : null;
        this.state = new ClientState(name, log);
        this.queue = new OfflineBuffer(options.offlineBufferMessages(), options.offlineDropPolicy());
        this.tryPrivate = options.bridge();
        this.delayMs = options.reconnectMin().toMillis();
    }

    /** Starts the first connection attempt. */
    public void start() {
        onLoop(() -> attempt(0));
    }

    @Override
    public ClientOptions options() {
        return options;
    }

    @Override
    public ConnectionState state() {
        return state.get();
    }

    @Override
    public CompletionStage<Void> connected() {
        return state.connected();
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        state.addListener(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        state.removeListener(listener);
    }

    private boolean mqtt5() {
        return options.protocolVersion() == 5;
    }

    /** Runs on the client's loop, at once when already there; fails nothing silently when the loop is gone. */
    private boolean onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return true;
        }
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    // ---- connecting ----

    private void attempt(int index) {
        if (closed) {
            return;
        }
        retry = null;
        ServerUri server = servers.get(index);
        state.change(ConnectionState.CONNECTING, null);
        Bootstrap bootstrap = bootstrap(CONNECT_TIMEOUT_MS).option(ChannelOption.TCP_NODELAY, true)
                .handler(new Pipeline(server, index));
        lostReason = null;
        bootstrap.connect(server.host(), server.port()).addListener((ChannelFutureListener) f -> {
            if (closed) {
                // closed while the socket was opening
                f.channel().close();
            } else if (!f.isSuccess()) {
                attemptFailed(index, causedBy(f.cause(), BindException.class)
                        ? "cannot connect to " + server + " from the bind address " + options.bindAddress() + ": "
                                + rootMessage(f.cause()) + "; give an IP address of this machine, of the same family"
                                + " (IPv4 or IPv6) as the server's"
                        : "cannot reach " + server + ": " + rootMessage(f.cause())
                                + "; check that the broker runs there and the host and port are right");
            } else {
                channel = f.channel();
            }
        });
    }

    /** A TCP bootstrap on the client's loop, from the bind address when there is one. */
    private Bootstrap bootstrap(int connectTimeoutMs) {
        Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs);
        if (options.bindAddress() != null) {
            b.localAddress(new InetSocketAddress(options.bindAddress(), 0));
        }
        return b;
    }

    /** The CONNECT goes out once the transport is ready (after the WebSocket handshake for ws/wss). */
    private void sendConnect(Channel ch) {
        MqttVersion version = switch (options.protocolVersion()) {
            case 3 -> MqttVersion.MQTT_3_1;
            case 4 -> MqttVersion.MQTT_3_1_1;
            default -> MqttVersion.MQTT_5;
        };
        if (!tryPrivate && ch.pipeline().get(HandlerNames.BRIDGE_FLAG) != null) {
            ch.pipeline().remove(HandlerNames.BRIDGE_FLAG);
        }
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect().protocolVersion(version)
                .clientId(options.clientId()).cleanSession(options.cleanStart())
                .keepAlive(options.keepAliveSeconds());
        if (options.username() != null) {
            b.hasUser(true).username(options.username());
        }
        if (options.password() != null) {
            b.hasPassword(true).password(options.password().getBytes(StandardCharsets.UTF_8));
        }
        Message will = options.will();
        if (will != null) {
            b.willFlag(true).willTopic(will.topic()).willMessage(will.payload()).willQoS(MqttQoS.valueOf(will.qos()))
                    .willRetain(will.retain());
            if (mqtt5()) {
                b.willProperties(PublishConversion.properties(will.properties()));
            }
        }
        if (mqtt5() && options.sessionExpirySeconds() > 0) {
            MqttProperties props = new MqttProperties();
            props.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL,
                    (int) Math.min(options.sessionExpirySeconds(), 0xFFFF_FFFFL)));
            b.properties(props);
        }
        MqttConnectMessage connect = b.build();
        ch.writeAndFlush(connect);
    }

    private void connack(Channel ch, int index, MqttConnAckMessage ack) {
        int code = ack.variableHeader().connectReturnCode().byteValue() & 0xFF;
        if (code != 0) {
            if (tryPrivate && (code == 0x01 || code == 0x84)) {
                refusedBridgeFlag(ch, index);
                return;
            }
            String reason = ReasonCodes.connack(code, mqtt5()) + " (from " + servers.get(index) + ")";
            lostReason = reason;
            ch.close();
            return;
        }
        connected = true;
        delayMs = options.reconnectMin().toMillis();
        MqttProperties props = ack.variableHeader().properties();
        sendWindow = 65535;
        maximumQos = 2;
        maximumPacket = options.maximumPacketSize();
        if (mqtt5() && props != null) {
            MqttProperties.MqttProperty<?> maxPacket = props.getProperty(MqttProperties.MAXIMUM_PACKET_SIZE);
            if (maxPacket != null && (Integer) maxPacket.value() > 0
                    && (maximumPacket == 0 || (Integer) maxPacket.value() < maximumPacket)) {
                maximumPacket = (Integer) maxPacket.value();
            }
            MqttProperties.MqttProperty<?> receiveMax = props.getProperty(MqttProperties.RECEIVE_MAXIMUM);
            if (receiveMax != null) {
                sendWindow = (Integer) receiveMax.value();
            }
            MqttProperties.MqttProperty<?> maxQos = props.getProperty(MqttProperties.MAXIMUM_QOS);
            if (maxQos != null) {
                maximumQos = (Integer) maxQos.value();
            }
            MqttProperties.MqttProperty<?> keepAlive = props.getProperty(MqttProperties.SERVER_KEEP_ALIVE);
            if (keepAlive != null && (Integer) keepAlive.value() != options.keepAliveSeconds()) {
                installKeepAlive(ch, (Integer) keepAlive.value());
            }
        }
        boolean sessionPresent = ack.variableHeader().isSessionPresent();
        connectedIndex = index;
        resumeSession(ch, sessionPresent);
        drain();
        state.change(ConnectionState.CONNECTED, null);
        log.debug(name + " connected to " + servers.get(index) + (sessionPresent ? ", session present" : ""));
        if (index > 0 && options.failover() == ClientOptions.Failover.PRIMARY) {
            schedulePrimaryCheck(ch);
        }
    }

    private void schedulePrimaryCheck(Channel ch) {
        primaryCheck = loop.schedule(() -> checkPrimary(ch), PRIMARY_CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Failover PRIMARY, while connected to a later server: whether the first one accepts a TCP connection again, as
     * Mosquitto's bridges check. If it does, the current connection is closed (without DISCONNECT, so that broker
     * publishes the will) and the client connects to the first server at once.
     */
    private void checkPrimary(Channel ch) {
        if (closed || ch != channel || !connected) {
            return;
        }
        ServerUri primary = servers.get(0);
        bootstrap(PRIMARY_CHECK_SECONDS * 1000).handler(new ChannelInboundHandlerAdapter())
                .connect(primary.host(), primary.port()).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        f.channel().close();
                    }
                    if (closed || ch != channel || !connected) {
                        return;
                    }
                    if (f.isSuccess()) {
                        log.info(name + ": the first server " + primary + " accepts connections again; moving back"
                                + " to it from " + servers.get(connectedIndex));
                        movingToPrimary = true;
                        lostReason = "moving back to the first server " + primary;
                        ch.close();
                    } else {
                        schedulePrimaryCheck(ch);
                    }
                });
    }

    /** Mosquitto's try_private fallback: a broker that does not know the bridge bit gets a plain CONNECT. */
    private void refusedBridgeFlag(Channel ch, int index) {
        tryPrivate = false;
        log.info(name + ": " + servers.get(index) + " does not accept the bridge protocol flag (0x80); connecting as "
                + "an ordinary client, so it may send this client's own messages back");
        lostReason = "retry without the bridge flag";
        ch.close();
    }

    /**
     * After CONNACK: with the session kept, the unacknowledged QoS 1/2 publishes are sent again with DUP (PUBREL for
     * those already received) and subscriptions made while away are sent; without it, the subscriptions are made again
     * and the publishes are sent again as new ones, so that nothing the broker had not acknowledged is lost.
     */
    private void resumeSession(Channel ch, boolean sessionPresent) {
        if (!sessionPresent) {
            receivedQos2.clear();
            for (List<RemoteSubscription> subs : unsubscribeLater.values()) {
                subs.forEach(s -> s.unsubscribed.complete(null));
            }
            unsubscribeLater.clear();
        }
        for (Iterator<Map.Entry<Integer, InFlight>> it = inflight.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Integer, InFlight> e = it.next();
            InFlight f = e.getValue();
            if (f.released) {
                if (sessionPresent) {
                    ch.write(pubrel(e.getKey()));
                } else {
                    // PUBREC said the broker has the message; only the PUBCOMP of a lost session is missing.
                    it.remove();
                    f.done.complete(null);
                }
            } else {
                ch.write(PublishConversion.toPacket(f.message, e.getKey(), sessionPresent, mqtt5()));
            }
        }
        if (sessionPresent && !options.unsubscribeOnConnect().isEmpty()) {
            // No subscription waits for this UNSUBACK: the filters are the kept session's, not this client's.
            int id = packetId();
            unsubscribing.put(id, List.of());
            ch.write(new MqttUnsubscribeMessage(new MqttFixedHeader(MqttMessageType.UNSUBSCRIBE, false,
                    MqttQoS.AT_LEAST_ONCE, false, 0), new MqttMessageIdAndPropertiesVariableHeader(id,
                            MqttProperties.NO_PROPERTIES), new MqttUnsubscribePayload(options.unsubscribeOnConnect())));
        }
        List<RemoteSubscription> toSubscribe = new ArrayList<>();
        for (RemoteSubscription s : subscriptions) {
            if (!sessionPresent || !s.acked || options.resubscribe()) {
                toSubscribe.add(s);
            }
        }
        if (!toSubscribe.isEmpty()) {
            sendSubscribe(ch, toSubscribe);
        }
        if (sessionPresent) {
            for (Map.Entry<String, List<RemoteSubscription>> e : unsubscribeLater.entrySet()) {
                sendUnsubscribe(ch, e.getKey(), e.getValue());
            }
            unsubscribeLater.clear();
        }
        ch.flush();
    }

    private void attemptFailed(int index, String reason) {
        channel = null;
        connected = false;
        forgetUnanswered();
        if (closed) {
            return;
        }
        state.change(ConnectionState.DISCONNECTED, reason);
        int next = (index + 1) % servers.size();
        if (next != roundFirst) {
            attempt(next);
            return;
        }
        scheduleRound(index);
    }

    private void connectionLost(String reason) {
        channel = null;
        connected = false;
        forgetUnanswered();
        if (primaryCheck != null) {
            primaryCheck.cancel(false);
            primaryCheck = null;
        }
        if (closed) {
            return;
        }
        state.change(ConnectionState.DISCONNECTED, reason);
        if (movingToPrimary) {
            movingToPrimary = false;
            roundFirst = 0;
            attempt(0);
            return;
        }
        scheduleRound(connectedIndex);
    }

    /**
     * SUBSCRIBE and UNSUBSCRIBE packets of a dropped connection get no answer: their subscriptions are sent again
     * after the next CONNACK (they are not acknowledged yet), and their unsubscriptions wait for a kept session.
     */
    private void forgetUnanswered() {
        subscribing.clear();
        for (List<RemoteSubscription> subs : unsubscribing.values()) {
            for (RemoteSubscription s : subs) {
                unsubscribeLater.computeIfAbsent(s.filter, f -> new ArrayList<>()).add(s);
            }
        }
        unsubscribing.clear();
    }

    /**
     * The next round of attempts after the backoff delay, which then doubles: from the first server, or with
     * {@link ClientOptions.Failover#ROUND_ROBIN} from the one after {@code last}. None without reconnect.
     */
    private void scheduleRound(int last) {
        if (!options.reconnect()) {
            log.info(name + ": not connecting again (this client connects once); close it and open a new one to"
                    + " connect again");
            return;
        }
        long delay = delayMs;
        delayMs = Math.min(delayMs * 2, options.reconnectMax().toMillis());
        int first = options.failover() == ClientOptions.Failover.ROUND_ROBIN ? (last + 1) % servers.size() : 0;
        retry = loop.schedule(() -> {
            roundFirst = first;
            attempt(first);
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void installKeepAlive(Channel ch, int seconds) {
        ChannelPipeline p = ch.pipeline();
        if (p.get(HandlerNames.KEEP_ALIVE) != null) {
            p.remove(HandlerNames.KEEP_ALIVE);
        }
        if (seconds > 0) {
            // PINGREQ after `seconds` without sending; the connection is dead after 1.5 x that without receiving.
            p.addBefore(HandlerNames.CLIENT, HandlerNames.KEEP_ALIVE,
                    new IdleStateHandler(seconds * 1500L, seconds * 1000L, 0, TimeUnit.MILLISECONDS));
        }
    }

    // ---- publishing ----

    @Override
    public CompletionStage<Void> publish(Message message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!TopicFilters.isValidTopicName(message.topic())) {
            done.completeExceptionally(new MqttClientException("'" + message.topic() + "' is not a valid topic name: "
                    + "it must not be empty or contain + # or NUL", -1));
            return done;
        }
        if (!onLoop(() -> publishOnLoop(message, done))) {
            done.completeExceptionally(closedError("publish to '" + message.topic() + "'"));
        }
        return done;
    }

    private void publishOnLoop(Message message, CompletableFuture<Void> done) {
        if (closed) {
            done.completeExceptionally(closedError("publish to '" + message.topic() + "'"));
            return;
        }
        if (connected && message.qos() > maximumQos) {
            done.completeExceptionally(new MqttClientException("The broker supports QoS up to " + maximumQos
                    + " (its CONNACK says so): publish to '" + message.topic() + "' at a lower QoS", 0x9B));
            return;
        }
        if (tooLarge(message, done)) {
            return;
        }
        if (!connected || !queue.isEmpty() || (message.qos() > 0 && inflight.size() >= sendWindow)) {
            queue.add(message, done);
            return;
        }
        send(message, done);
        channel.flush();
    }

    /**
     * Fails {@code done} with 0x95 when the PUBLISH would be larger than the maximum packet size: the option's, or,
     * once connected, the broker's if smaller.
     */
    private boolean tooLarge(Message message, CompletableFuture<Void> done) {
        int limit = connected ? maximumPacket : options.maximumPacketSize();
        if (limit == 0) {
            return false;
        }
        int size = PublishConversion.packetSize(message, mqtt5());
        if (size <= limit) {
            return false;
        }
        done.completeExceptionally(new MqttClientException("The message to '" + message.topic() + "' makes a PUBLISH"
                + " packet of " + size + " bytes, more than the " + limit + " bytes allowed ("
                + (limit == options.maximumPacketSize() ? "the client's maximum packet size"
                        : "the broker's Maximum Packet Size") + "); it was not sent", 0x95));
        return true;
    }

    private void send(Message message, CompletableFuture<Void> done) {
        if (message.qos() == 0) {
            channel.write(PublishConversion.toPacket(message, 0, false, mqtt5())).addListener(f -> {
                if (f.isSuccess()) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(new MqttClientException("The QoS 0 message to '" + message.topic()
                            + "' was not written: " + rootMessage(f.cause()), f.cause()));
                }
            });
            return;
        }
        int id = packetId();
        inflight.put(id, new InFlight(message, done));
        channel.write(PublishConversion.toPacket(message, id, false, mqtt5()));
    }

    /** Sends what waits, in order, as far as the broker's Receive Maximum lets QoS 1/2 messages go. */
    private void drain() {
        if (!connected) {
            return;
        }
        boolean wrote = false;
        for (OfflineBuffer.Pending p = queue.poll(); p != null; p = queue.poll()) {
            if (p.message().qos() > 0 && inflight.size() >= sendWindow) {
                queue.pushBack(p);
                break;
            }
            if (p.message().qos() > maximumQos) {
                p.done().completeExceptionally(new MqttClientException("The broker supports QoS up to " + maximumQos
                        + ": the message to '" + p.message().topic() + "' was not sent; publish at a lower QoS", 0x9B));
                continue;
            }
            if (tooLarge(p.message(), p.done())) {
                continue;
            }
            send(p.message(), p.done());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private int packetId() {
        for (int i = 0; i < 65535; i++) {
            int id = nextPacketId;
            nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
            if (!inflight.containsKey(id) && !subscribing.containsKey(id) && !unsubscribing.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("all 65535 packet identifiers are in use");
    }

    private void acknowledged(int id, int reasonCode, String packet) {
        InFlight f = inflight.remove(id);
        if (f == null) {
            return;
        }
        if (reasonCode >= 0x80) {
            f.done.completeExceptionally(new MqttClientException("The broker refused the message to '"
                    + f.message.topic() + "' (" + packet + " " + ReasonCodes.publish(reasonCode) + ")", reasonCode));
        } else {
            f.done.complete(null);
        }
        drain();
    }

    private static MqttMessage pubrel(int id) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(id));
    }

    private static MqttMessage reply(MqttMessageType type, int id) {
        return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(id));
    }

    // ---- subscribing ----

    @Override
    public CompletionStage<ClientSubscription> subscribe(String topicFilter, SubscribeOptions subscribeOptions,
            MessageHandler handler) {
        String problem = TopicFilters.filterProblem(topicFilter.startsWith("$share/")
                ? topicFilter.substring(topicFilter.indexOf('/', 7) + 1) : topicFilter);
        if (problem != null) {
            return CompletableFuture.failedFuture(new MqttClientException("'" + topicFilter
                    + "' is not a valid topic filter: " + problem, -1));
        }
        RemoteSubscription sub = new RemoteSubscription(this, topicFilter, subscribeOptions, handler);
        if (!onLoop(() -> {
            if (closed) {
                sub.subscribed.completeExceptionally(closedError("subscribe to '" + topicFilter + "'"));
                return;
            }
            subscriptions.add(sub);
            if (connected) {
                sendSubscribe(channel, List.of(sub));
                channel.flush();
            }
        })) {
            sub.subscribed.completeExceptionally(closedError("subscribe to '" + topicFilter + "'"));
        }
        return sub.subscribed.copy();
    }

    /**
     * One SUBSCRIBE for {@code subs}, one entry per filter at the highest QoS any live subscription to it asks for
     * (the broker keeps one subscription per filter and connection).
     */
    private void sendSubscribe(Channel ch, List<RemoteSubscription> subs) {
        Map<String, List<RemoteSubscription>> byFilter = new LinkedHashMap<>();
        for (RemoteSubscription s : subs) {
            byFilter.computeIfAbsent(s.filter, f -> new ArrayList<>()).add(s);
        }
        List<MqttTopicSubscription> topics = new ArrayList<>();
        List<List<RemoteSubscription>> groups = new ArrayList<>();
        for (Map.Entry<String, List<RemoteSubscription>> e : byFilter.entrySet()) {
            int qos = 0;
            boolean noLocal = true;
            boolean retainAsPublished = false;
            for (RemoteSubscription s : subscriptions) {
                if (s.filter.equals(e.getKey()) && !s.ended) {
                    qos = Math.max(qos, s.options.qos());
                    noLocal &= s.options.noLocal();
                    retainAsPublished |= s.options.retainAsPublished();
                }
            }
            MqttSubscriptionOption option = mqtt5()
                    ? new MqttSubscriptionOption(MqttQoS.valueOf(qos), noLocal, retainAsPublished,
                            MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE)
                    : MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos));
            topics.add(new MqttTopicSubscription(e.getKey(), option));
            groups.add(e.getValue());
        }
        int id = packetId();
        subscribing.put(id, groups);
        ch.write(new MqttSubscribeMessage(new MqttFixedHeader(MqttMessageType.SUBSCRIBE, false,
                MqttQoS.AT_LEAST_ONCE, false, 0), new MqttMessageIdAndPropertiesVariableHeader(id,
                        MqttProperties.NO_PROPERTIES), new MqttSubscribePayload(topics)));
    }

    private void subscribed(MqttSubAckMessage ack) {
        List<List<RemoteSubscription>> groups = subscribing.remove(ack.variableHeader().messageId());
        if (groups == null) {
            return;
        }
        List<Integer> codes = ack.payload().reasonCodes();
        for (int i = 0; i < groups.size(); i++) {
            int code = i < codes.size() ? codes.get(i) & 0xFF : 0x80;
            for (RemoteSubscription s : groups.get(i)) {
                if (code >= 0x80) {
                    subscriptions.remove(s);
                    s.ended = true;
                    s.subscribed.completeExceptionally(new MqttClientException("The broker refused the subscription "
                            + "to '" + s.filter + "' (SUBACK " + ReasonCodes.subscribe(code) + ")", code));
                } else {
                    s.granted = code;
                    s.acked = true;
                    s.subscribed.complete(s);
                }
            }
        }
    }

    void unsubscribe(RemoteSubscription sub) {
        if (!onLoop(() -> unsubscribeOnLoop(sub))) {
            sub.unsubscribed.complete(null);
        }
    }

    private void unsubscribeOnLoop(RemoteSubscription sub) {
        if (sub.ended) {
            return;
        }
        sub.ended = true;
        subscriptions.remove(sub);
        boolean shared = subscriptions.stream().anyMatch(s -> s.filter.equals(sub.filter));
        if (closed || shared || !sub.acked && !connected) {
            // Another subscription still needs the filter at the broker, or the broker never had it.
            sub.unsubscribed.complete(null);
            return;
        }
        if (connected) {
            sendUnsubscribe(channel, sub.filter, List.of(sub));
            channel.flush();
        } else {
            unsubscribeLater.computeIfAbsent(sub.filter, f -> new ArrayList<>()).add(sub);
        }
    }

    private void sendUnsubscribe(Channel ch, String filter, List<RemoteSubscription> subs) {
        int id = packetId();
        unsubscribing.put(id, subs);
        ch.write(new MqttUnsubscribeMessage(new MqttFixedHeader(MqttMessageType.UNSUBSCRIBE, false,
                MqttQoS.AT_LEAST_ONCE, false, 0), new MqttMessageIdAndPropertiesVariableHeader(id,
                        MqttProperties.NO_PROPERTIES), new MqttUnsubscribePayload(List.of(filter))));
    }

    // ---- receiving ----

    private void received(Channel ch, MqttPublishMessage p) {
        int qos = p.fixedHeader().qosLevel().value();
        int id = p.variableHeader().packetId();
        if (qos == 2) {
            // Delivered on the first PUBLISH; a DUP before PUBREL is the same message.
            if (receivedQos2.add(id)) {
                dispatch(PublishConversion.fromPacket(p));
            }
            ch.writeAndFlush(reply(MqttMessageType.PUBREC, id));
            return;
        }
        dispatch(PublishConversion.fromPacket(p));
        if (qos == 1) {
            ch.writeAndFlush(reply(MqttMessageType.PUBACK, id));
        }
    }

    private void dispatch(Message m) {
        for (RemoteSubscription s : new ArrayList<>(subscriptions)) {
            if (s.ended || !TopicFilters.matches(s.matchFilter, m.topic())) {
                continue;
            }
            try {
                s.handler.onMessage(m);
            } catch (RuntimeException e) {
                log.warn("The handler of the subscription to '" + s.filter + "' of " + name + " failed on a message to '"
                        + m.topic() + "': " + e + "; the subscription stays, fix the handler ("
                        + s.handler.getClass().getName() + ")");
            }
        }
    }

    private void read(Channel ch, int index, MqttMessage msg) {
        if (msg.decoderResult().isFailure()) {
            lostReason = "unreadable packet from the broker (" + rootMessage(msg.decoderResult().cause())
                    + "); reconnecting";
            ch.close();
            return;
        }
        MqttMessageType type = msg.fixedHeader().messageType();
        switch (type) {
            case CONNACK -> connack(ch, index, (MqttConnAckMessage) msg);
            case PUBLISH -> received(ch, (MqttPublishMessage) msg);
            case PUBACK -> acknowledged(messageId(msg), reasonCode(msg), "PUBACK");
            case PUBREC -> {
                int id = messageId(msg);
                int code = reasonCode(msg);
                InFlight f = inflight.get(id);
                if (code >= 0x80 || f == null) {
                    acknowledged(id, code, "PUBREC");
                } else {
                    f.released = true;
                    ch.writeAndFlush(pubrel(id));
                }
            }
            case PUBREL -> {
                int id = messageId(msg);
                receivedQos2.remove(id);
                ch.writeAndFlush(reply(MqttMessageType.PUBCOMP, id));
            }
            case PUBCOMP -> acknowledged(messageId(msg), reasonCode(msg), "PUBCOMP");
            case SUBACK -> subscribed((MqttSubAckMessage) msg);
            case UNSUBACK -> {
                List<RemoteSubscription> subs = unsubscribing.remove(messageId(msg));
                if (subs != null) {
                    subs.forEach(s -> s.unsubscribed.complete(null));
                }
            }
            case PINGRESP -> {
                // the read itself resets the keep alive timer
            }
            case DISCONNECT -> {
                Object header = msg.variableHeader();
                int code = header instanceof MqttReasonCodeAndPropertiesVariableHeader h ? h.reasonCode() & 0xFF : 0;
                lostReason = "the broker sent " + ReasonCodes.disconnect(code);
                ch.close();
            }
            default -> {
                lostReason = "the broker sent a " + type + " packet, which a broker must not send; reconnecting";
                ch.close();
            }
        }
    }

    private static int messageId(MqttMessage msg) {
        Object h = msg.variableHeader();
        if (h instanceof MqttMessageIdVariableHeader v) {
            return v.messageId();
        }
        if (h instanceof MqttPubReplyMessageVariableHeader v) {
            return v.messageId();
        }
        return -1;
    }

    private static int reasonCode(MqttMessage msg) {
        return msg.variableHeader() instanceof MqttPubReplyMessageVariableHeader v ? v.reasonCode() & 0xFF : 0;
    }

    // ---- closing ----

    @Override
    public void close() {
        CompletableFuture<Void> channelClosed = new CompletableFuture<>();
        boolean queued = onLoop(() -> {
            Channel ch = channel;
            closeOnLoop(true);
            if (ch == null) {
                channelClosed.complete(null);
            } else {
                ch.closeFuture().addListener(f -> channelClosed.complete(null));
            }
        });
        if (!queued) {
            state.change(ConnectionState.CLOSED, null);
            return;
        }
        if (!loop.inEventLoop()) {
            // The gateway closes its clients while the JVM stops, and the client's loop threads are daemons: without
            // this wait the process could end before the DISCONNECT is written, and the broker would publish the will
            try {
                channelClosed.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // the connection goes on closing on its loop; nothing more to wait for here
            }
        }
    }

    @Override
    public void abandon() {
        if (!onLoop(() -> closeOnLoop(false))) {
            state.change(ConnectionState.CLOSED, null);
        }
    }

    /** @param graceful send DISCONNECT (no will) or just drop the connection (the broker publishes the will) */
    private void closeOnLoop(boolean graceful) {
        if (closed) {
            return;
        }
        closed = true;
        if (retry != null) {
            retry.cancel(false);
        }
        if (primaryCheck != null) {
            primaryCheck.cancel(false);
        }
        Channel ch = channel;
        if (ch != null && connected && graceful) {
            MqttMessage disconnect = mqtt5()
                    ? new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE,
                            false, 0), new MqttReasonCodeAndPropertiesVariableHeader((byte) 0,
                                    MqttProperties.NO_PROPERTIES))
                    : MqttMessage.DISCONNECT;
            ch.writeAndFlush(disconnect).addListener(ChannelFutureListener.CLOSE);
        } else if (ch != null) {
            ch.close();
        }
        connected = false;
        channel = null;
        queue.failAll("The client was closed");
        for (InFlight f : inflight.values()) {
            f.done.completeExceptionally(new MqttClientException("The client was closed before the broker "
                    + "acknowledged the message to '" + f.message.topic() + "'; it may or may not have arrived", -1));
        }
        inflight.clear();
        for (RemoteSubscription s : subscriptions) {
            s.ended = true;
            s.subscribed.completeExceptionally(closedError("subscribe to '" + s.filter + "'"));
            s.unsubscribed.complete(null);
        }
        subscriptions.clear();
        subscribing.clear();
        unsubscribing.values().forEach(l -> l.forEach(s -> s.unsubscribed.complete(null)));
        unsubscribing.clear();
        unsubscribeLater.values().forEach(l -> l.forEach(s -> s.unsubscribed.complete(null)));
        unsubscribeLater.clear();
        state.change(ConnectionState.CLOSED, null);
    }

    private static MqttClientException closedError(String what) {
        return new MqttClientException("Cannot " + what + ": the client is closed; open a new one with "
                + "MqttClients.open", -1);
    }

    /** Whether {@code type} is in the chain of causes; Netty annotates a failed connect with the address. */
    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && !(t instanceof DecoderException && t.getMessage() != null)) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- the pipeline ----

    /** Builds one connection's pipeline, all in one place, and feeds its events back to the client. */
    private final class Pipeline extends ChannelInitializer<SocketChannel> {
        private final ServerUri server;
        private final int index;

        Pipeline(ServerUri server, int index) {
            this.server = server;
            this.index = index;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (server.isTls()) {
                p.addLast(HandlerNames.TLS, ssl.newHandler(ch.alloc(), server.host(), server.port()));
            }
            if (server.isWebSocket()) {
                URI uri = URI.create((server.isTls() ? "wss://" : "ws://") + hostForUri(server.host()) + ":"
                        + server.port() + server.path());
                p.addLast(HandlerNames.HTTP, new HttpClientCodec());
                p.addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(65536));
                p.addLast(HandlerNames.WEBSOCKET, new WebSocketClientProtocolHandler(
                        WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13, "mqtt", false,
                                new DefaultHttpHeaders(), MAX_PACKET), true));
                p.addLast(HandlerNames.WEBSOCKET_FRAMES, new WebSocketFrames());
            }
            if (tryPrivate) {
                p.addLast(HandlerNames.BRIDGE_FLAG, new BridgeFlag());
            }
            p.addLast(HandlerNames.DECODER, new MqttDecoder(MAX_PACKET));
            p.addLast(HandlerNames.ENCODER, MqttEncoder.INSTANCE);
            p.addLast(HandlerNames.CLIENT, new Events(server, index));
            installKeepAlive(ch, options.keepAliveSeconds());
        }
    }

    private static String hostForUri(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** The connection's events, on the client's loop. */
    private final class Events extends SimpleChannelInboundHandler<MqttMessage> {
        private final ServerUri server;
        private final int index;
        private boolean everConnected;

        Events(ServerUri server, int index) {
            super(false);
            this.server = server;
            this.index = index;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (closed) {
                ctx.close();
                return;
            }
            channel = ctx.channel();
            if (!server.isWebSocket()) {
                sendConnect(ctx.channel());
            }
            // Without keep alive nothing else would notice a server that accepts the socket but never answers.
            ctx.executor().schedule(() -> {
                if (!everConnected && ctx.channel().isActive()) {
                    lostReason = "no CONNACK from " + server + " within " + CONNECT_TIMEOUT_MS / 1000 + " s: check "
                            + "that it is an MQTT broker" + (server.isWebSocket() ? " serving WebSockets at "
                                    + server.path() : "");
                    ctx.close();
                }
            }, CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                sendConnect(ctx.channel());
            } else if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.WRITER_IDLE) {
                    ctx.writeAndFlush(MqttMessage.PINGREQ);
                } else if (idle.state() == IdleState.READER_IDLE) {
                    lostReason = "no packet from the broker for 1.5 x the keep alive; the connection is presumed dead";
                    ctx.close();
                }
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            try {
                if (ctx.channel() != channel || closed) {
                    return;
                }
                if (msg.fixedHeader() != null && msg.fixedHeader().messageType() == MqttMessageType.CONNACK) {
                    everConnected = ((MqttConnAckMessage) msg).variableHeader().connectReturnCode().byteValue() == 0;
                }
                read(ctx.channel(), index, msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (lostReason == null) {
                lostReason = rootMessage(cause);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel || closed) {
                return;
            }
            String why = lostReason;
            if (everConnected) {
                connectionLost("connection to " + server + " lost: " + (why == null ? "closed by the broker or the "
                        + "network" : why));
            } else if ("retry without the bridge flag".equals(why)) {
                channel = null;
                attempt(index);
            } else if (why == null && tryPrivate) {
                // A broker that cannot read the bridge bit may just close: try once more without it.
                refusedBridgeFlagByClose();
            } else {
                attemptFailed(index, why == null ? "the connection to " + server + " closed before CONNACK: check that "
                        + "it is an MQTT broker" + (server.isWebSocket() ? " with WebSockets at " + server.path() : "")
                        + " and speaks protocol version " + options.protocolVersion() : why);
            }
        }

        private void refusedBridgeFlagByClose() {
            tryPrivate = false;
            log.info(name + ": " + server + " closed the connection on the bridge protocol flag (0x80); connecting as "
                    + "an ordinary client");
            channel = null;
            attempt(index);
        }
    }
}
