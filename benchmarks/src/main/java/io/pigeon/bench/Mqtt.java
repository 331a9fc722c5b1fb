package io.pigeon.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Netty plumbing shared by every mode: one event loop group, MQTT 3.1.1 clients on MqttEncoder/MqttDecoder. */
final class Mqtt implements AutoCloseable {
    final EventLoopGroup group;
    final InetSocketAddress broker;
    final boolean epoll;
    /** Clients the broker closed while the run still wanted them open. */
    final AtomicInteger unexpectedCloses = new AtomicInteger();

    Mqtt(String host, int port, int threads) {
        epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(threads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        broker = new InetSocketAddress(host, port);
    }

    Bootstrap bootstrap(Conn conn, int connectTimeoutMs) {
        return new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("frames", new FastFrames(conn));
                        ch.pipeline().addLast("decoder", new MqttDecoder(1 << 20));
                        ch.pipeline().addLast("encoder", MqttEncoder.INSTANCE);
                        ch.pipeline().addLast("client", conn);
                    }
                });
    }

    /** Connects one client; the future completes on an accepted CONNACK. */
    CompletableFuture<Conn> connect(Conn conn, int timeoutMs) {
        ChannelFuture cf = bootstrap(conn, timeoutMs).connect(broker);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                conn.connected.completeExceptionally(f.cause());
                return;
            }
            Channel ch = cf.channel();
            ch.eventLoop().schedule(() -> {
                if (conn.connected.completeExceptionally(new IllegalStateException("no CONNACK within " + timeoutMs
                        + " ms"))) {
                    ch.close();
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
        });
        return conn.connected;
    }

    /**
     * Connects many clients with at most {@code concurrency} handshakes under way, so the broker sees a steady stream
     * rather than a SYN flood. Returns the number that failed.
     */
    int connectAll(List<? extends Conn> conns, int concurrency, int timeoutMs) throws InterruptedException {
        Semaphore permits = new Semaphore(concurrency);
        AtomicInteger failed = new AtomicInteger();
        CompletableFuture<?>[] all = new CompletableFuture<?>[conns.size()];
        for (int i = 0; i < conns.size(); i++) {
            permits.acquire();
            all[i] = connect(conns.get(i), timeoutMs).handle((c, e) -> {
                if (e != null) {
                    if (failed.getAndIncrement() == 0) {
                        System.err.println("bench: connect failed: " + e);
                    }
                }
                permits.release();
                return null;
            });
        }
        CompletableFuture.allOf(all).join();
        return failed.get();
    }

    static void closeAll(List<? extends Conn> conns) {
        for (Conn c : conns) {
            c.closing = true;
        }
        for (Conn c : conns) {
            Channel ch = c.channel;
            if (ch != null && ch.isActive()) {
                ch.writeAndFlush(MqttMessage.DISCONNECT).addListener(f -> ch.close());
            }
        }
        for (Conn c : conns) {
            Channel ch = c.channel;
            if (ch != null) {
                ch.closeFuture().awaitUninterruptibly(2000);
            }
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
    }

    static MqttMessage ack(MqttMessageType type, int packetId) {
        MqttQoS q = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, q, false, 2), MqttMessageIdVariableHeader.from(packetId));
    }

    static int packetId(MqttMessage m) {
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    /**
     * One MQTT client connection. Runs on its channel's event loop; subclasses handle the packets after CONNACK.
     */
    abstract static class Conn extends ChannelInboundHandlerAdapter {
        final String clientId;
        final boolean cleanSession;
        final Mqtt mqtt;
        final CompletableFuture<Conn> connected = new CompletableFuture<>();
        volatile Channel channel;
        volatile boolean closing;

        Conn(Mqtt mqtt, String clientId, boolean cleanSession) {
            this.mqtt = mqtt;
            this.clientId = clientId;
            this.cleanSession = cleanSession;
        }

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.fireChannelRegistered();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(cleanSession).keepAlive(600).build());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            MqttMessage m = (MqttMessage) msg;
            try {
                if (m.decoderResult().isFailure()) {
                    System.err.println("bench: " + clientId + ": undecodable packet from the broker: "
                            + m.decoderResult().cause());
                    ctx.close();
                    return;
                }
                if (m.fixedHeader().messageType() == MqttMessageType.CONNACK) {
                    MqttConnectReturnCode rc = ((MqttConnAckMessage) m).variableHeader().connectReturnCode();
                    if (rc == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                        onConnected(ctx);
                        connected.complete(this);
                    } else {
                        connected.completeExceptionally(new IllegalStateException("CONNACK " + rc));
                        ctx.close();
                    }
                    return;
                }
                onMessage(ctx, m);
            } finally {
                ReferenceCountUtil.release(m);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connected.completeExceptionally(new IllegalStateException("closed before CONNACK"));
            if (!closing) {
                if (mqtt.unexpectedCloses.getAndIncrement() == 0) {
                    System.err.println("bench: the broker closed client " + clientId);
                }
            }
            onClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closing) {
                System.err.println("bench: " + clientId + ": " + cause);
            }
            ctx.close();
        }

        void onConnected(ChannelHandlerContext ctx) {
        }

        /**
         * Handles a hot packet straight from the frame bytes: {@code header} is the first byte, the packet's body is
         * {@code len} bytes from {@code body}. Returns false to have MqttDecoder decode it instead.
         */
        boolean fastPath(ChannelHandlerContext ctx, int header, ByteBuf in, int body, int len) {
            return false;
        }

        private ByteBuf pendingAcks;

        /** Queues a 4-byte acknowledgement; all of a read batch's go out as one buffer in flushAcks. */
        void ack(ChannelHandlerContext ctx, int type, int packetId) {
            if (pendingAcks == null) {
                pendingAcks = ctx.alloc().directBuffer(512);
            }
            pendingAcks.writeByte(type << 4 | (type == 6 ? 0x02 : 0)).writeByte(2).writeShort(packetId);
        }

        void flushAcks(ChannelHandlerContext ctx) {
            ByteBuf acks = pendingAcks;
            if (acks != null) {
                pendingAcks = null;
                ctx.write(acks);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (pendingAcks != null) {
                pendingAcks.release();
                pendingAcks = null;
            }
        }

        void onClosed() {
        }

        void onMessage(ChannelHandlerContext ctx, MqttMessage m) {
        }
    }

    /** A client that only connects (idle connections, start-up and readiness probes). */
    static final class IdleConn extends Conn {
        IdleConn(Mqtt mqtt, String clientId) {
            super(mqtt, clientId, true);
        }
    }

    static <T> T await(CompletableFuture<T> f, long ms, Supplier<String> what) {
        try {
            return f.get(ms, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(what.get() + ": " + e, e);
        }
    }
}
