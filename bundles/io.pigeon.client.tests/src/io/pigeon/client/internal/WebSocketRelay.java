package io.pigeon.client.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket server in front of an MQTT broker's TCP port, as a reverse proxy or a broker's WebSocket listener would
 * be (neither the Pigeon broker nor Debian's Mosquitto serve WebSockets): path /mqtt, subprotocol mqtt, and only
 * binary frames are relayed. It records the subprotocol each handshake chose and every frame type it saw.
 */
final class WebSocketRelay implements AutoCloseable {

    final List<String> subprotocols = new CopyOnWriteArrayList<>();
    final List<String> frameTypes = new CopyOnWriteArrayList<>();
    final int port;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    /** @param tls null for ws://, a server context for wss:// */
    WebSocketRelay(int brokerPort, SslContext tls) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/mqtt", "mqtt", false, 1 << 20),
                                new Relay(brokerPort));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Relay extends ChannelInboundHandlerAdapter {
        private final int brokerPort;
        private Channel upstream;

        Relay(int brokerPort) {
            this.brokerPort = brokerPort;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
                subprotocols.add(String.valueOf(done.selectedSubprotocol()));
                ctx.channel().config().setAutoRead(false);
                Channel client = ctx.channel();
                new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext up, Object msg) {
                                client.writeAndFlush(new BinaryWebSocketFrame((ByteBuf) msg));
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext up) {
                                client.close();
                            }
                        }).connect("127.0.0.1", brokerPort).addListener((ChannelFutureListener) f -> {
                            if (f.isSuccess()) {
                                upstream = f.channel();
                                client.config().setAutoRead(true);
                            } else {
                                client.close();
                            }
                        });
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame frame) {
                frameTypes.add(frame.getClass().getSimpleName());
            }
            if (msg instanceof BinaryWebSocketFrame frame && upstream != null) {
                upstream.writeAndFlush(frame.content());
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
