package io.pigeon.gpio;

import org.osgi.annotation.versioning.ProviderType;

/** An open digital output. Closing it drives its shutdown level and frees the pin. */
@ProviderType
public interface OutputPin extends AutoCloseable {

    int bcm();

    boolean high();

    void set(boolean high);

    @Override
    void close();
}
