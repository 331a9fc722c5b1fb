package io.pigeon.e2e;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waiting: every wait in the suite has a deadline. */
final class Sleep {
    private Sleep() {
    }

    static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Polls {@code condition} every 50 ms until it holds or {@code timeout} passes; returns whether it held. */
    static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            millis(50);
        }
    }
}
