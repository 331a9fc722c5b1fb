package io.pigeon.broker.internal.netty;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.ReasonCodes;

/**
 * The network side: one acceptor thread, one event loop per core, and the open listeners.
 * <p>
 * Listeners are reference counted by address and port: two configurations for the same port share one
 * socket. That keeps the switch from the built-in default listener (port 1883, no configuration) to a
 * configured one on the same port free of "address in use" races, whatever order DS uses.
 * Thread safe (listener changes are synchronized; they are rare).
 */
public final class NettyServer {

    /** Outbound buffer per connection above which a connection counts as slow. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    /** One receive buffer sizing policy for every connection; each channel still has its own handle. */
    private static final AdaptiveRecvByteBufAllocator RECEIVE_BUFFERS = new AdaptiveRecvByteBufAllocator();

    private final MqttBroker broker;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final MqttChannelInitializer.Handlers handlers;
    private final Map<String, Bound> bound = new LinkedHashMap<>();
    private final Set<Channel> clients = ConcurrentHashMap.newKeySet();
    private final Runnable onChange;

    /** A listener handle; close it to release the listener's socket once nobody else uses it. */
    public interface Handle extends AutoCloseable {
        /** Changes the connection limit; -1 for none. */
        void maxConnections(int max);

        /** Changes the listener's settings; connections opened from now on use them. */
        void settings(ListenerSettings settings);

        @Override
        void close();
    }

    private static final class Bound {
        final Channel channel;
        final ConnectionLimiter limiter;
        final String hostPort;
        final AtomicReference<ListenerSettings> settings;
        int refs;

        Bound(Channel channel, ConnectionLimiter limiter, AtomicReference<ListenerSettings> settings, String hostPort) {
            this.channel = channel;
            this.limiter = limiter;
            this.settings = settings;
            this.hostPort = hostPort;
        }

        /** mqtt://, mqtts://, ws:// or wss://, as the listener serves new connections now. */
        String uri() {
            return settings.get().scheme() + "://" + hostPort;
        }
    }

    public NettyServer(MqttBroker broker, Transport transport, int workerThreads, Runnable onChange) {
        this.broker = broker;
        this.transport = transport;
        this.boss = transport.newGroup(1, "pigeon-accept");
        this.workers = transport.newGroup(workerThreads, "pigeon-io");
        this.handlers = new MqttChannelInitializer.Handlers(broker);
        this.onChange = onChange;
    }

    public String transportName() {
        return transport.name();
    }

    /** An event loop for broker-wide timers ($SYS) and sessions restored without a connection. */
    public EventExecutor anyLoop() {
        return workers.next();
    }

    /**
     * Opens (or shares) a listener.
     *
     * @param bindAddress host or IP to bind, null or empty for all interfaces
     * @throws IllegalStateException when the port cannot be bound, with what to do
     */
    public synchronized Handle open(String bindAddress, int port, int maxConnections, ListenerSettings settings) {
        String host = bindAddress == null || bindAddress.isBlank() ? null : bindAddress.trim();
        String key = (host == null ? "*" : host) + ":" + port;
        Bound b = port == 0 ? null : bound.get(key);
        if (b == null) {
            AtomicReference<ListenerSettings> current = new AtomicReference<>(settings);
            ConnectionLimiter limiter = new ConnectionLimiter(maxConnections, () -> broker.log().info(
                    "Refused a connection on port " + port + ": max_connections " + maxConnections + " reached"));
            ServerBootstrap sb = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                    .childHandler(new MqttChannelInitializer(broker, limiter, handlers, clients, current::get));
            InetSocketAddress addr = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
            Channel ch;
            try {
                ch = sb.bind(addr).sync().channel();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot listen on " + key + ": " + e.getMessage()
                        + "; stop the program using that port (another MQTT broker?) or choose another port with"
                        + " 'listener PORT' in pigeon.conf", e);
            }
            InetSocketAddress local = (InetSocketAddress) ch.localAddress();
            key = (host == null ? "*" : host) + ":" + local.getPort();
            String hostPort = (host == null ? "0.0.0.0" : host) + ":" + local.getPort();
            b = new Bound(ch, limiter, current, hostPort);
            bound.put(key, b);
            broker.log().info("Opened MQTT listener " + b.uri() + " (" + transport.name()
                    + (settings.tls() == null ? "" : ", TLS certificate " + settings.tls().describe()) + ")");
            onChange.run();
        } else {
            b.limiter.max(maxConnections);
            b.settings.set(settings);
        }
        b.refs++;
        Bound mine = b;
        String boundKey = key;
        return new Handle() {
            private boolean closed;

            @Override
            public void maxConnections(int max) {
                mine.limiter.max(max);
            }

            @Override
            public void settings(ListenerSettings next) {
                ListenerSettings before = mine.settings.getAndSet(next);
                if (!before.scheme().equals(next.scheme()) || before.tls() != next.tls()) {
                    broker.log().info("Listener " + mine.uri() + " now serves new connections"
                            + (next.tls() == null ? "" : " with TLS certificate " + next.tls().describe()));
                    onChange.run();
                }
            }

            @Override
            public void close() {
                synchronized (NettyServer.this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    if (--mine.refs == 0) {
                        bound.remove(boundKey, mine);
                        mine.channel.close().syncUninterruptibly();
                        broker.log().info("Closed MQTT listener " + mine.uri());
                        onChange.run();
                    }
                }
            }
        };
    }

    /** URIs of the open listeners, with the real port for port 0. */
    public synchronized List<String> listeners() {
        List<String> out = new ArrayList<>();
        for (Bound b : bound.values()) {
            out.add(b.uri());
        }
        return out;
    }

    /** The local port of the first listener, for tests that bind port 0. */
    public synchronized int firstPort() {
        for (Bound b : bound.values()) {
            return ((InetSocketAddress) b.channel.localAddress()).getPort();
        }
        return -1;
    }

    /**
     * Closes the listeners, tells MQTT 5 clients with DISCONNECT 0x8B (Server shutting down) and closes all
     * connections, then stops the event loops. No wills are published for connections the shutdown ends.
     */
    public void shutdown() {
        List<Future<?>> sent = new ArrayList<>();
        for (Channel ch : clients) {
            try {
                sent.add(ch.eventLoop().submit(() -> {
                    MqttConnection conn = MqttConnection.of(ch);
                    if (conn != null) {
                        conn.disconnect(ReasonCodes.SERVER_SHUTTING_DOWN, "server shutting down", false);
                    } else {
                        ch.close();
                    }
                }));
            } catch (RejectedExecutionException e) {
                // already shutting down
            }
        }
        // a shutting-down event loop closes its channels before it runs queued tasks, so wait for the
        // DISCONNECTs to be written first
        for (Future<?> f : sent) {
            f.awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        synchronized (this) {
            for (Bound b : bound.values()) {
                b.channel.close();
            }
            bound.clear();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
