package io.pigeon.broker.internal.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Linux epoll when Netty's native transport loads on this platform, NIO otherwise. The epoll classes
 * are an optional import, so they are only touched inside {@link EpollSupport}.
 */
public record Transport(String name, IoHandlerFactory factory, Class<? extends ServerChannel> serverChannel) {

    public static Transport best() {
        try {
            Transport t = EpollSupport.transport();
            if (t != null) {
                return t;
            }
        } catch (LinkageError e) {
            // epoll bundle or native library not present: NIO
        }
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    public EventLoopGroup newGroup(int threads, String prefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(prefix, true), factory);
    }

    private static final class EpollSupport {
        static Transport transport() {
            if (!io.netty.channel.epoll.Epoll.isAvailable()) {
                return null;
            }
            return new Transport("epoll", io.netty.channel.epoll.EpollIoHandler.newFactory(),
                    io.netty.channel.epoll.EpollServerSocketChannel.class);
        }
    }
}
