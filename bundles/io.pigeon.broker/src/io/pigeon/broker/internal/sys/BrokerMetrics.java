package io.pigeon.broker.internal.sys;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Broker counters. Updated from every event loop without locks (striped adders); read by $SYS and
 * {@code Broker.stats()}.
 */
public final class BrokerMetrics {

    private final LongAdder messagesReceived = new LongAdder();
    private final LongAdder messagesSent = new LongAdder();
    private final LongAdder publishReceived = new LongAdder();
    private final LongAdder publishSent = new LongAdder();
    private final LongAdder publishDropped = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder publishBytesReceived = new LongAdder();
    private final LongAdder publishBytesSent = new LongAdder();
    private final LongAdder clientsExpired = new LongAdder();
    private final LongAdder connectionsOpened = new LongAdder();
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong maximum = new AtomicLong();

    public void messageReceived() {
        messagesReceived.increment();
    }

    public void messageSent() {
        messagesSent.increment();
    }

    public void publishReceived(int payloadBytes) {
        publishReceived.increment();
        publishBytesReceived.add(payloadBytes);
    }

    public void publishSent(int payloadBytes) {
        publishSent.increment();
        publishBytesSent.add(payloadBytes);
    }

    public void publishDropped() {
        publishDropped.increment();
    }

    public void bytesReceived(long n) {
        bytesReceived.add(n);
    }

    public void bytesSent(long n) {
        bytesSent.add(n);
    }

    public void clientExpired() {
        clientsExpired.increment();
    }

    public void socketOpened() {
        connectionsOpened.increment();
    }

    public void clientConnected() {
        long now = connected.incrementAndGet();
        maximum.accumulateAndGet(now, Math::max);
    }

    public void clientDisconnected() {
        connected.decrementAndGet();
    }

    public long messagesReceived() {
        return messagesReceived.sum();
    }

    public long messagesSent() {
        return messagesSent.sum();
    }

    public long publishReceived() {
        return publishReceived.sum();
    }

    public long publishSent() {
        return publishSent.sum();
    }

    public long publishDroppedCount() {
        return publishDropped.sum();
    }

    public long bytesReceived() {
        return bytesReceived.sum();
    }

    public long bytesSent() {
        return bytesSent.sum();
    }

    public long publishBytesReceived() {
        return publishBytesReceived.sum();
    }

    public long publishBytesSent() {
        return publishBytesSent.sum();
    }

    public long clientsExpired() {
        return clientsExpired.sum();
    }

    public long connectionsOpened() {
        return connectionsOpened.sum();
    }

    public long connected() {
        return connected.get();
    }

    public long maximum() {
        return maximum.get();
    }
}
