package io.pigeon.broker.internal.netty;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * MQTT over WebSockets ({@code protocol websockets}), as MQTT 3.1.1 section 6 and MQTT 5 section 6 describe it:
 * an HTTP upgrade on path {@code /} or {@code /mqtt}, subprotocol {@code mqtt} (or {@code mqttv3.1} of older
 * clients), and binary frames that carry the MQTT byte stream. A packet may span frames and a frame may hold
 * several packets: the frames' bytes go to the same {@link PacketFramer} as TCP bytes. Text frames are refused
 * with close code 1003; Netty's frame decoder closes on malformed frames (1002) and on frames larger than the
 * broker's largest packet (1009). Other HTTP requests get 404 (another path) or 400 (not an upgrade).
 */
final class WebSocketTransport {

    /** Paths the upgrade is served on; Mosquitto's libwebsockets takes any path, clients use these two. */
    static final List<String> PATHS = List.of("/", "/mqtt");
    static final String SUBPROTOCOLS = "mqtt,mqttv3.1";
    /** The upgrade request is a GET without a body: its headers are all it needs. */
    private static final int MAX_UPGRADE_REQUEST = 8192;
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private WebSocketTransport() {
    }

    /**
     * Adds the HTTP upgrade and the frame handlers after the handler named {@code after}.
     *
     * @param paths  the broker's shared {@link PathCheck}
     * @param frames the broker's shared {@link Frames}
     */
    static void addAfter(ChannelPipeline p, String after, int maxFrameBytes, PathCheck paths, Frames frames) {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .subprotocols(SUBPROTOCOLS)
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(maxFrameBytes)
                        .allowExtensions(false)
                        .expectMaskedFrames(true)
                        .closeOnProtocolViolation(true)
                        .build())
                .dropPongFrames(true)
                // Netty's default sends a 1000 close frame whenever the channel closes, also right after its frame
                // decoder's own 1002 or 1009 frame, which RFC 6455 forbids; the MQTT layer closes without one
                .sendCloseFrame(null)
                .build();
        p.addAfter(after, HandlerNames.HTTP, new HttpServerCodec());
        p.addAfter(HandlerNames.HTTP, HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_UPGRADE_REQUEST));
        p.addAfter(HandlerNames.HTTP_AGGREGATOR, HandlerNames.WEBSOCKET_PATH, paths);
        p.addAfter(HandlerNames.WEBSOCKET_PATH, HandlerNames.WEBSOCKET, new WebSocketServerProtocolHandler(config));
        p.addAfter(HandlerNames.WEBSOCKET, HandlerNames.WEBSOCKET_FRAMES, frames);
    }

    /**
     * Answers requests that are not HTTP with 400 and requests for other paths with 404, before Netty's handshake
     * handler sees them.
     */
    @Sharable
    static final class PathCheck extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest request) {
                if (request.decoderResult().isFailure()) {
                    request.release();
                    reply(ctx, HttpResponseStatus.BAD_REQUEST, "This port serves MQTT over WebSockets: upgrade on /"
                            + " or /mqtt with subprotocol mqtt\n");
                    return;
                }
                String uri = request.uri();
                int query = uri.indexOf('?');
                String path = query < 0 ? uri : uri.substring(0, query);
                if (!PATHS.contains(path)) {
                    request.release();
                    reply(ctx, HttpResponseStatus.NOT_FOUND, "MQTT over WebSockets is served on / and /mqtt\n");
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Binary and continuation frames in as bytes; bytes out as binary frames. */
    @Sharable
    static final class Frames extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ByteBuf bytes = ((WebSocketFrame) msg).content().retain();
                ReferenceCountUtil.release(msg);
                ctx.fireChannelRead(bytes);
                return;
            }
            ReferenceCountUtil.release(msg);
            if (msg instanceof WebSocketFrame) {
                // a text frame: MQTT is binary (MQTT 3.1.1 section 6.0)
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE,
                        "MQTT over WebSockets uses binary frames")).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /**
         * Netty's frame decoder has answered a malformed frame with its close code (1002, or 1009 for a frame larger
         * than the largest packet) and closes the connection; passing the exception on would have the MQTT layer
         * close it again, and send a second close frame with 1000.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof CorruptedWebSocketFrameException) {
                return;
            }
            ctx.fireExceptionCaught(cause);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf bytes) {
                ctx.write(new BinaryWebSocketFrame(bytes), promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }

    private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                status, Unpooled.copiedBuffer(text, CharsetUtil.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
