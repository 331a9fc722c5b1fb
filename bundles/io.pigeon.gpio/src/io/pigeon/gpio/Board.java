package io.pigeon.gpio;

import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The GPIO header and buses of the machine the gateway runs on. A pin is used by one owner at a time: opening a pin
 * that is open already fails with {@link PinException} naming its owner. Thread safe.
 */
@ProviderType
public interface Board {

    /** Highest BCM GPIO number on the 40-pin header. */
    int MAX_BCM = 27;

    /** True on Pi4J's mock provider: no hardware, inputs take their level from {@link InputPin#simulate}. */
    boolean simulated();

    /** What drives the pins, for log lines: for example "Raspberry Pi 4 Model B: GpioD, LinuxFS" or "mock". */
    String description();

    /**
     * Opens a digital input.
     *
     * @param owner    who uses the pin, for the message when another owner wants it too
     * @param bcm      BCM GPIO number, 0..{@value #MAX_BCM}
     * @param debounce debounce time in milliseconds, 0 for none
     * @param listener told the new level (true = high) on every change, on a Pi4J thread; must not block
     * @throws PinException when the pin is out of range or in use, or the provider refuses it
     */
    InputPin input(String owner, int bcm, Pull pull, int debounce, Consumer<Boolean> listener);

    /**
     * Opens a digital output, driven to {@code initial} at once and to {@code shutdown} when closed.
     *
     * @throws PinException when the pin is out of range or in use, or the provider refuses it
     */
    OutputPin output(String owner, int bcm, boolean initial, boolean shutdown);

    /**
     * Opens a PWM output at 0 % duty. On a Pi this is hardware PWM (BCM 12, 13, 18, 19 with the pwm overlay).
     *
     * @throws PinException when the pin is out of range or in use, or the provider refuses it
     */
    PwmPin pwm(String owner, int bcm, int frequencyHz);

    /**
     * Opens an I2C device.
     *
     * @param bus     I2C bus number ({@code /dev/i2c-<bus>})
     * @param address 7-bit device address
     * @throws PinException when the bus cannot be opened or the address is in use
     */
    I2cDevice i2c(String owner, int bus, int address);
}
