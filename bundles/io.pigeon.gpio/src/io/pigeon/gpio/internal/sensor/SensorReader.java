package io.pigeon.gpio.internal.sensor;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Reads one sensor. Called on the bridge's thread only. */
public interface SensorReader extends AutoCloseable {

    /** The quantities {@link #read()} returns, in this order, always all of them. */
    List<Quantity> quantities();

    /** One reading of every quantity; an IOException (or PinException) says what failed, for the log and .../error. */
    Map<Quantity, Double> read() throws IOException;

    /** True when the values are made up (no hardware), so the log can say so. */
    default boolean simulated() {
        return false;
    }

    @Override
    default void close() {
    }
}
