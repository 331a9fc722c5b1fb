package io.pigeon.broker.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.pigeon.broker.internal.handler.TestBroker;

/**
 * Fails a test class if a ByteBuf leaked. Netty's detector runs at PARANOID (every buffer tracked) and reports a leak
 * through its logger (java.util.logging here: there is no SLF4J in the runtime) once the leaked buffer has been
 * collected and another buffer is tracked. After the class this first releases what a stopping broker releases and
 * what the test clients did not read, then forces collection and a report.
 */
public final class LeakDetection implements BeforeAllCallback, AfterAllCallback {

    private static final Logger NETTY_LEAK_LOGGER = Logger.getLogger(ResourceLeakDetector.class.getName());
    private static final int COLLECTION_ROUNDS = 5;

    private final List<String> leaks = new CopyOnWriteArrayList<>();
    private final Handler recorder = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage();
            if (message != null && message.contains("LEAK")) {
                leaks.add(message);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @Override
    public void beforeAll(ExtensionContext context) {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        recorder.setLevel(Level.ALL);
        NETTY_LEAK_LOGGER.addHandler(recorder);
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        TestBroker.releaseAll();
        try {
            for (int round = 0; round < COLLECTION_ROUNDS && leaks.isEmpty(); round++) {
                System.gc();
                Thread.sleep(20);
                // A newly tracked buffer makes the detector drain its queue of collected, unreleased buffers.
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        } finally {
            NETTY_LEAK_LOGGER.removeHandler(recorder);
        }
        if (!leaks.isEmpty()) {
            fail(context.getDisplayName() + " leaked " + leaks.size() + " ByteBuf(s):\n" + String.join("\n", leaks));
        }
    }
}
