package io.pigeon.broker.internal.netty;

import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Enforces a listener's {@code max_connections}: a connection over the limit is closed at once, like
 * Mosquitto does. One instance per listener, shared by its channels; the limit can change live.
 */
@Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private final AtomicInteger open = new AtomicInteger();
    private volatile int max;
    private final Runnable onRefused;

    ConnectionLimiter(int max, Runnable onRefused) {
        this.max = max;
        this.onRefused = onRefused;
    }

    void max(int newMax) {
        this.max = newMax;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int now = open.incrementAndGet();
        int limit = max;
        if (limit >= 0 && now > limit) {
            onRefused.run();
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        ctx.fireChannelInactive();
    }
}
