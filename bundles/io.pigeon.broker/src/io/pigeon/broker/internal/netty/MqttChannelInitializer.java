package io.pigeon.broker.internal.netty;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttMessageGuard;
import io.pigeon.broker.internal.handler.PacketDispatcher;
import io.pigeon.broker.internal.handler.connect.ConnectHandler;
import io.pigeon.broker.internal.handler.connect.ConnectService;
import io.pigeon.broker.internal.handler.disconnect.ConnectionLifecycle;
import io.pigeon.broker.internal.handler.publish.PublishHandler;
import io.pigeon.broker.internal.handler.publish.PublishService;
import io.pigeon.broker.internal.handler.subscribe.SubscribeHandler;
import io.pigeon.broker.internal.handler.subscribe.SubscribeService;
import io.pigeon.broker.internal.handler.unsubscribe.UnsubscribeHandler;
import io.pigeon.broker.internal.handler.unsubscribe.UnsubscribeService;

/**
 * Builds every client pipeline, the only place that does. All handlers except the framer and the decoder are shared
 * between channels, and the packet handlers sit behind one dispatcher, so an idle connection costs little more than
 * its socket buffers.
 */
public final class MqttChannelInitializer extends ChannelInitializer<SocketChannel> {

    /** Seconds a new connection may take to send CONNECT. */
    public static final int CONNECT_TIMEOUT_SECONDS = 20;

    private final MqttBroker broker;
    private final ConnectionLimiter limiter;
    private final Handlers handlers;
    private final java.util.Set<io.netty.channel.Channel> open;
    private final Supplier<ListenerSettings> listenerSettings;

    /** The shared, stateless handlers of one broker. */
    public static final class Handlers {
        final ByteCounter bytes;
        final MqttMessageGuard guard;
        final PacketDispatcher dispatcher;
        final TlsHandshakeLog tlsHandshake;
        final WebSocketTransport.PathCheck webSocketPaths = new WebSocketTransport.PathCheck();
        final WebSocketTransport.Frames webSocketFrames = new WebSocketTransport.Frames();

        public Handlers(MqttBroker broker) {
            tlsHandshake = new TlsHandshakeLog(broker);
            ConnectionLifecycle lifecycle = new ConnectionLifecycle(broker);
            bytes = new ByteCounter(broker.metrics());
            guard = new MqttMessageGuard(broker, lifecycle);
            dispatcher = new PacketDispatcher(new ConnectHandler(new ConnectService(broker, lifecycle)),
                    new PublishHandler(new PublishService(broker)), new SubscribeHandler(new SubscribeService(broker)),
                    new UnsubscribeHandler(new UnsubscribeService(broker)));
        }
    }

    MqttChannelInitializer(MqttBroker broker, ConnectionLimiter limiter, Handlers handlers,
            java.util.Set<io.netty.channel.Channel> open, Supplier<ListenerSettings> listenerSettings) {
        this.open = open;
        this.listenerSettings = listenerSettings;
        this.broker = broker;
        this.limiter = limiter;
        this.handlers = handlers;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        broker.metrics().socketOpened();
        open.add(ch);
        ch.closeFuture().addListener(f -> open.remove(ch));
        ch.config().setOption(ChannelOption.TCP_NODELAY, broker.settings().tcpNoDelay());
        ChannelPipeline p = ch.pipeline();
        if (limiter != null) {
            p.addLast(HandlerNames.CONNECTION_LIMIT, limiter);
        }
        configure(p, broker, handlers, listenerSettings.get());
    }

    /** Adds the MQTT handlers with no listener settings of their own; for tests on an {@code EmbeddedChannel}. */
    public static void configure(ChannelPipeline p, MqttBroker broker, Handlers h) {
        configure(p, broker, h, ListenerSettings.NONE);
    }

    /**
     * Adds the handlers of a listener's connection: the byte counter, then TLS and the WebSocket upgrade when the
     * listener has them, then the MQTT handlers. Also used by tests on an {@code EmbeddedChannel}.
     */
    public static void configure(ChannelPipeline p, MqttBroker broker, Handlers h, ListenerSettings listener) {
        p.addLast(HandlerNames.BYTE_COUNTER, h.bytes);
        if (listener.tls() != null) {
            p.addLast(HandlerNames.TLS, listener.tls().context().newHandler(p.channel().alloc()));
            p.addLast(HandlerNames.TLS_HANDSHAKE, h.tlsHandshake);
        }
        if (listener.websockets()) {
            WebSocketTransport.addAfter(p, p.lastContext().name(), broker.settings().decoderLimit(), h.webSocketPaths,
                    h.webSocketFrames);
        }
        p.addLast(HandlerNames.FRAMER, new PacketFramer(broker.settings().decoderLimit()));
        p.addLast(HandlerNames.DECODER, new MqttDecoder(broker.settings().decoderLimit(), 65535));
        p.addLast(HandlerNames.ENCODER, MqttEncoder.INSTANCE);
        p.addLast(HandlerNames.GUARD, h.guard);
        p.addLast(HandlerNames.DISPATCH, h.dispatcher);
        MqttConnection conn = MqttConnection.of(p.channel());
        conn.listener(listener);
        conn.readTimeout(TimeUnit.SECONDS.toMillis(CONNECT_TIMEOUT_SECONDS));
    }
}
