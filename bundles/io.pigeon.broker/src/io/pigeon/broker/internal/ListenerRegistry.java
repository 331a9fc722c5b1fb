package io.pigeon.broker.internal;

import io.pigeon.broker.internal.netty.NettyServer;

/**
 * Internal service through which listener components open sockets on the broker's event loops.
 * Registered by {@link BrokerComponent}; not exported.
 */
public interface ListenerRegistry {

    /**
     * @param bindAddress    host or IP, null or empty for all interfaces
     * @param maxConnections -1 to use the broker's {@code max_connections}
     * @param settings       the listener's own settings for its clients
     */
    NettyServer.Handle open(String bindAddress, int port, int maxConnections, ListenerSettings settings);
}
