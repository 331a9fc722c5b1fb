package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SensorPollerTest {

    @Test
    void backoffDoublesUpToTheLongerOfIntervalAndFiveMinutes() {
        Duration interval = Duration.ofSeconds(30);
        assertEquals(Duration.ofSeconds(1), SensorPoller.backoff(1, interval));
        assertEquals(Duration.ofSeconds(2), SensorPoller.backoff(2, interval));
        assertEquals(Duration.ofSeconds(256), SensorPoller.backoff(9, interval));
        assertEquals(Duration.ofMinutes(5), SensorPoller.backoff(10, interval));
        assertEquals(Duration.ofMinutes(5), SensorPoller.backoff(1000, interval));
        assertEquals(Duration.ofHours(1), SensorPoller.backoff(1000, Duration.ofHours(1)));
    }
}
