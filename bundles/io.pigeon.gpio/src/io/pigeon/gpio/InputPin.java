package io.pigeon.gpio;

import org.osgi.annotation.versioning.ProviderType;

/** An open digital input. Closing it frees the pin. */
@ProviderType
public interface InputPin extends AutoCloseable {

    int bcm();

    /** The current level, true = high. */
    boolean high();

    /**
     * Sets the level of a simulated input (the listener hears the change as from the hardware).
     *
     * @throws UnsupportedOperationException on real hardware
     */
    void simulate(boolean high);

    @Override
    void close();
}
