package io.pigeon.broker.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** A controllable nanosecond clock for expiry tests. */
public final class TestClock implements LongSupplier {

    private long now = 1_000_000_000L;

    @Override
    public long getAsLong() {
        return now;
    }

    public void advance(long amount, TimeUnit unit) {
        now += unit.toNanos(amount);
    }
}
