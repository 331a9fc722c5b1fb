package io.pigeon.gpio.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;

import org.osgi.service.log.Logger;

import io.pigeon.gpio.PinException;
import io.pigeon.gpio.internal.sensor.Quantity;
import io.pigeon.gpio.internal.sensor.SensorReader;

/**
 * Reads a sensor every interval and publishes each quantity, retained: on {@code <topic>} when the sensor has one
 * quantity, on {@code <topic>/<quantity>} when it has several (BME280). When a reading fails, the reason goes to
 * {@code <topic>/error} (retained, cleared on recovery) and the log, and the sensor is tried again after 1, 2, 4 ...
 * seconds, at most max(interval, 5 minutes) apart. All methods run on the bridge thread.
 */
final class SensorPoller {

    private static final Duration LONGEST_BACKOFF = Duration.ofMinutes(5);

    private final GpioBridge bridge;
    private final String name;
    private final String source;
    private final String topic;
    private final SensorReader reader;
    private final Duration interval;
    private final Logger log;
    private final Map<Quantity, String> topics = new LinkedHashMap<>();
    private final List<Announcement> announcements = new ArrayList<>();
    private ScheduledFuture<?> next;
    private int failures;
    private String lastError;
    private boolean stopped;
    private Runnable stopRepublishing = () -> { };

    SensorPoller(GpioBridge bridge, String name, String source, String topic, SensorReader reader, Duration interval,
            Logger log) {
        this.bridge = bridge;
        this.name = name;
        this.source = source;
        this.topic = topic;
        this.reader = reader;
        this.interval = interval;
        this.log = log;
        List<Quantity> quantities = reader.quantities();
        for (Quantity q : quantities) {
            String t = quantities.size() == 1 ? topic : topic + "/" + q.topicLevel;
            topics.put(q, t);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("state_topic", t);
            fields.put("device_class", q.deviceClass);
            fields.put("unit_of_measurement", q.unit);
            fields.put("state_class", "measurement");
            announcements.add(bridge.announcement("sensor", quantities.size() == 1 ? name : name + " " + q.topicLevel,
                    fields));
        }
    }

    String topic() {
        return topic;
    }

    void start() {
        announcements.forEach(bridge::announce);
        stopRepublishing = bridge.onReconnect(this::republish);
        poll();
    }

    /** After a reconnect: read now rather than at the next interval. */
    private void republish() {
        if (!stopped && failures == 0) {
            if (next != null) {
                next.cancel(false);
            }
            poll();
        }
    }

    /** @param withdraw also remove the sensor from Home Assistant (its configuration was deleted) */
    void stop(boolean withdraw) {
        stopped = true;
        stopRepublishing.run();
        if (next != null) {
            next.cancel(false);
        }
        announcements.forEach(withdraw ? bridge::withdraw : bridge::forget);
        reader.close();
    }

    void stop() {
        stop(false);
    }

    private void poll() {
        if (stopped) {
            return;
        }
        Duration delay;
        try {
            Map<Quantity, Double> values = reader.read();
            for (Map.Entry<Quantity, String> e : topics.entrySet()) {
                Double value = values.get(e.getKey());
                if (value != null) {
                    bridge.publish(e.getValue(), Payloads.number(value, 1), true);
                }
            }
            if (lastError != null) {
                log.info("Sensor {} ({}) reads again after {} failed attempt(s).", name, source, failures);
                bridge.publish(topic + "/error", "", true);
            }
            failures = 0;
            lastError = null;
            delay = interval;
        } catch (IOException | PinException e) {
            failures++;
            String error = e.getMessage();
            delay = backoff(failures, interval);
            if (!error.equals(lastError)) {
                log.warn("Sensor {} ({}) failed: {}. Trying again in {} s, and less often while it keeps failing.",
                        name, source, error, delay.toSeconds());
                bridge.publish(topic + "/error", error, true);
            } else {
                log.debug("Sensor {} failed again ({} times): {}", name, failures, error);
            }
            lastError = error;
        }
        try {
            next = bridge.schedule(this::poll, delay);
        } catch (RejectedExecutionException e) {
            stopped = true; // the bridge is stopping
        }
    }

    /** 1 s, 2 s, 4 s ... after consecutive failures, capped at max(interval, 5 minutes). */
    static Duration backoff(int failures, Duration interval) {
        Duration cap = interval.compareTo(LONGEST_BACKOFF) > 0 ? interval : LONGEST_BACKOFF;
        long seconds = 1L << Math.min(failures - 1, 20);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(cap) > 0 ? cap : d;
    }
}
