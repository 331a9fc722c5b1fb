package io.pigeon.gpio.internal;

/** One Home Assistant discovery message: its retained config topic and JSON payload. */
public record Announcement(String topic, String json) {
}
