package io.pigeon.broker.internal.netty;

/** Names of the handlers in a client channel's pipeline, in pipeline order. */
public final class HandlerNames {

    public static final String CONNECTION_LIMIT = "limit";
    public static final String BYTE_COUNTER = "bytes";
    public static final String TLS = "tls";
    public static final String TLS_HANDSHAKE = "tls-handshake";
    public static final String HTTP = "http";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String WEBSOCKET_PATH = "websocket-path";
    public static final String WEBSOCKET = "websocket";
    public static final String WEBSOCKET_FRAMES = "websocket-frames";
    public static final String FRAMER = "framer";
    public static final String DECODER = "decoder";
    public static final String ENCODER = "encoder";
    public static final String IDLE = "idle";
    public static final String GUARD = "guard";
    public static final String CONNECT = "connect";
    public static final String PUBLISH = "publish";
    public static final String SUBSCRIBE = "subscribe";
    public static final String UNSUBSCRIBE = "unsubscribe";
    public static final String PING = "ping";
    public static final String DISCONNECT = "disconnect";
    public static final String AUTH = "auth";
    public static final String ERRORS = "errors";

    private HandlerNames() {
    }
}
