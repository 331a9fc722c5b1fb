package io.pigeon.gpio;

import org.osgi.annotation.versioning.ProviderType;

/** An open I2C device. Failures are {@link PinException}s that name the bus and address. */
@ProviderType
public interface I2cDevice extends AutoCloseable {

    int bus();

    int address();

    /** Reads one register, 0..255. */
    int readRegister(int register);

    /** Reads {@code into.length} bytes from consecutive registers starting at {@code register}. */
    void readRegisters(int register, byte[] into);

    void writeRegister(int register, int value);

    @Override
    void close();
}
