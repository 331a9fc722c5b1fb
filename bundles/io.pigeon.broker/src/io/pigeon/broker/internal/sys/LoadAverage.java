package io.pigeon.broker.internal.sys;

/**
 * Exponentially damped 1, 5 and 15 minute rates per minute, computed like Mosquitto's $SYS load values.
 * Updated by the $SYS timer only (one thread).
 */
final class LoadAverage {

    private double one;
    private double five;
    private double fifteen;
    private long last = -1;

    /** @param total the counter now; @param seconds since the previous update */
    void update(long total, double seconds) {
        if (last < 0) {
            last = total;
            return;
        }
        double perMinute = (total - last) * 60.0 / Math.max(seconds, 1e-3);
        last = total;
        one = damp(one, perMinute, seconds, 60);
        five = damp(five, perMinute, seconds, 300);
        fifteen = damp(fifteen, perMinute, seconds, 900);
    }

    private static double damp(double avg, double value, double seconds, double window) {
        double e = Math.exp(-seconds / window);
        return value + e * (avg - value);
    }

    double one() {
        return one;
    }

    double five() {
        return five;
    }

    double fifteen() {
        return fifteen;
    }
}
