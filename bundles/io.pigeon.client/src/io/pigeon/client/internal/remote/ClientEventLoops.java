package io.pigeon.client.internal.remote;

import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The Netty event loops of every remote client in the runtime: a gateway has a few connections, so two threads
 * serve them all. Each client stays on one loop for its whole life.
 */
@Component(service = ClientEventLoops.class)
public final class ClientEventLoops {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("pigeon-client", true), NioIoHandler.newFactory());

    /** The loop a new client lives on. */
    public EventLoop next() {
        return group.next();
    }

    @Deactivate
    void deactivate() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
