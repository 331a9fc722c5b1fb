package io.pigeon.gpio.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** The plain payloads of the bridge's topics: what they accept and how values are written. */
public final class Payloads {

    public static final String ON = "ON";
    public static final String OFF = "OFF";

    private Payloads() {
    }

    /** A switch command. */
    public enum Command {
        ON, OFF, TOGGLE
    }

    /**
     * Parses a command for an output's {@code <topic>/set}: ON/OFF, 1/0, true/false (any case, surrounding blanks
     * ignored) or TOGGLE.
     *
     * @throws IllegalArgumentException naming what is accepted
     */
    public static Command command(String payload) {
        return switch (payload.strip().toUpperCase(Locale.ROOT)) {
            case "ON", "1", "TRUE" -> Command.ON;
            case "OFF", "0", "FALSE" -> Command.OFF;
            case "TOGGLE" -> Command.TOGGLE;
            default -> throw new IllegalArgumentException("'" + shorten(payload)
                    + "' is not a command; send ON, OFF, 1, 0, true, false or TOGGLE");
        };
    }

    /** Parses a simulated level for an input's {@code <topic>/simulate}: the commands without TOGGLE. */
    public static boolean level(String payload) {
        Command c;
        try {
            c = command(payload);
        } catch (IllegalArgumentException e) {
            c = Command.TOGGLE;
        }
        if (c == Command.TOGGLE) {
            throw new IllegalArgumentException("'" + shorten(payload)
                    + "' is not a level; send ON, OFF, 1, 0, true or false");
        }
        return c == Command.ON;
    }

    /**
     * Parses a PWM command: a duty cycle 0..100 (a number, "%" allowed), or ON (100) and OFF (0).
     *
     * @throws IllegalArgumentException naming what is accepted
     */
    public static double duty(String payload) {
        String text = payload.strip();
        if (text.equalsIgnoreCase(ON)) {
            return 100;
        }
        if (text.equalsIgnoreCase(OFF)) {
            return 0;
        }
        if (text.endsWith("%")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        double duty;
        try {
            duty = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            duty = Double.NaN;
        }
        if (!(duty >= 0 && duty <= 100)) {
            throw new IllegalArgumentException("'" + shorten(payload)
                    + "' is not a duty cycle; send a number from 0 to 100, ON or OFF");
        }
        return duty;
    }

    public static String onOff(boolean on) {
        return on ? ON : OFF;
    }

    /** A number as mosquitto_sub users want to read it: at most {@code decimals} decimals, no trailing zeros. */
    public static String number(double value, int decimals) {
        BigDecimal d = BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }

    private static String shorten(String payload) {
        return payload.length() > 40 ? payload.substring(0, 40) + "..." : payload;
    }
}
