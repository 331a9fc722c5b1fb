package io.pigeon.client.internal.remote;

/** Names of the client pipeline's handlers, in order from the socket. */
final class HandlerNames {
    static final String TLS = "tls";
    static final String HTTP = "http";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    static final String WEBSOCKET = "websocket";
    static final String WEBSOCKET_FRAMES = "websocket-frames";
    static final String BRIDGE_FLAG = "bridge-flag";
    static final String DECODER = "mqtt-decoder";
    static final String ENCODER = "mqtt-encoder";
    static final String KEEP_ALIVE = "keep-alive";
    static final String CLIENT = "client";

    private HandlerNames() {
    }
}
