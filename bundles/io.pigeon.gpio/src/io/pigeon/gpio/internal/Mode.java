package io.pigeon.gpio.internal;

/** What a pin does; {@link #kind} is its topic level ({@code pigeon/<gateway-id>/<kind>/<name>}). */
public enum Mode {
    INPUT("input"), OUTPUT("output"), PWM("pwm");

    public final String kind;

    Mode(String kind) {
        this.kind = kind;
    }
}
