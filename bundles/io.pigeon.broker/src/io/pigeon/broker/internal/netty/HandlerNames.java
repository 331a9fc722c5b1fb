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
    public static final String GUARD = "guard";
    /** The packet handlers by type and the error mapping: {@code PacketDispatcher}. */
    public static final String DISPATCH = "dispatch";

    private HandlerNames() {
    }
}
