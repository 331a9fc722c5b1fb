package io.pigeon.gpio.internal.board;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.context.ContextBuilder;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmType;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalOutputProvider;
import com.pi4j.plugin.linuxfs.provider.i2c.LinuxFsI2CProvider;
import com.pi4j.plugin.linuxfs.provider.pwm.LinuxFsPwmProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import com.pi4j.plugin.mock.provider.i2c.MockI2CProvider;
import com.pi4j.plugin.mock.provider.pwm.MockPwmProvider;

import io.pigeon.gpio.Board;
import io.pigeon.gpio.I2cDevice;
import io.pigeon.gpio.InputPin;
import io.pigeon.gpio.OutputPin;
import io.pigeon.gpio.PinException;
import io.pigeon.gpio.Pull;
import io.pigeon.gpio.PwmPin;

/**
 * The {@link Board} on Pi4J 2.8. Providers are added by hand ({@code Pi4J.newContextBuilder().add(...)}), not found
 * by ServiceLoader, which cannot see across OSGi class loaders: on a Raspberry Pi GpioD for digital pins (no root,
 * works on the Pi 5) and LinuxFS for I2C and hardware PWM; elsewhere the mock providers.
 * <p>
 * Pins are opened under the Pi4J id {@code bcm<N>} (I2C devices {@code i2c-<bus>-<address>}), so Pi4J's registry
 * refuses a second user of a pin; {@link #owners} keeps who holds each id, for the message.
 */
@Component(service = Board.class, configurationPid = "io.pigeon.gpio.board",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = BoardConfig.class)
public final class Pi4jBoard implements Board {

    /** Hardware PWM channels of the Pi's PWM controller, by BCM pin. */
    private static final Map<Integer, Integer> PWM_CHANNELS = Map.of(12, 0, 18, 0, 13, 1, 19, 1);

    private final Logger log;
    private final Context pi4j;
    private final boolean simulated;
    private final String description;
    private final Map<String, String> owners = new HashMap<>();
    /**
     * Pi4J's board detection, which logs SEVERE lines wherever /proc/device-tree/model is missing. Held here because
     * java.util.logging keeps loggers weakly, and a level set on a collected logger is lost.
     */
    private final java.util.logging.Logger boardDetection = java.util.logging.Logger.getLogger("com.pi4j.boardinfo");
    /** Pi4J says at INFO level what its context found; the one line this component logs says it for people. */
    private final java.util.logging.Logger pi4jLog = java.util.logging.Logger.getLogger("com.pi4j");

    @Activate
    public Pi4jBoard(BoardConfig config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        String provider = config.provider().strip().toLowerCase(Locale.ROOT);
        String model = raspberryPiModel();
        boolean pi = switch (provider) {
            case "pi" -> true;
            case "mock" -> false;
            case "auto" -> model != null;
            default -> {
                log.error("PID io.pigeon.gpio.board: provider = '{}' is not known; use auto, pi or mock. Using the mock"
                        + " provider until it is fixed.", config.provider());
                yield false;
            }
        };
        pi4jLog.setLevel(java.util.logging.Level.WARNING);
        if (!pi) {
            // no Raspberry Pi here, as the log line below says: Pi4J's failing probes would only alarm people
            boardDetection.setLevel(java.util.logging.Level.OFF);
        }
        ContextBuilder builder = Pi4J.newContextBuilder().noAutoDetect().disableShutdownHook();
        if (pi) {
            builder.add(GpioDDigitalInputProvider.newInstance(), GpioDDigitalOutputProvider.newInstance(),
                    LinuxFsI2CProvider.newInstance(), LinuxFsPwmProvider.newInstance(config.pwm_chip()));
            description = (model == null ? "Raspberry Pi (provider = pi)" : model) + ": GpioD, LinuxFS I2C and PWM";
        } else {
            builder.add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance(),
                    MockI2CProvider.newInstance(), MockPwmProvider.newInstance());
            description = "Pi4J mock provider (no GPIO hardware; inputs follow <topic>/simulate)";
        }
        simulated = !pi;
        pi4j = builder.build();
        log.info("GPIO board: {}.", description);
    }

    /** The model line of a Raspberry Pi with a GPIO character device, or null elsewhere. */
    private static String raspberryPiModel() {
        try {
            String model = Files.readString(Path.of("/proc/device-tree/model"), StandardCharsets.UTF_8)
                    .replace("\0", "").strip();
            return model.startsWith("Raspberry Pi") && Files.exists(Path.of("/dev/gpiochip0")) ? model : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Deactivate
    void deactivate() {
        try {
            pi4j.shutdown();
        } catch (RuntimeException e) {
            log.warn("Pi4J did not shut down cleanly: {}", e.toString());
        }
    }

    @Override
    public boolean simulated() {
        return simulated;
    }

    @Override
    public String description() {
        return description;
    }

    private static void checkBcm(int bcm) {
        if (bcm < 0 || bcm > MAX_BCM) {
            throw new PinException("BCM " + bcm + " is not a GPIO of the 40-pin header; use 0 to " + MAX_BCM);
        }
    }

    private synchronized void claim(String id, String what, String owner) {
        String holder = owners.get(id);
        if (holder != null || pi4j.registry().exists(id)) {
            throw new PinException(what + " is already used by " + (holder == null ? "another user" : holder)
                    + "; give this one another pin, or remove the other configuration");
        }
        owners.put(id, owner);
    }

    private synchronized void release(String id) {
        owners.remove(id);
        if (pi4j.registry().exists(id)) {
            try {
                pi4j.shutdown(id);
            } catch (RuntimeException e) {
                log.warn("Pi4J did not release {}: {}", id, e.toString());
            }
        }
    }

    private <T> T open(String id, String what, String owner, java.util.function.Supplier<T> create) {
        claim(id, what, owner);
        try {
            return create.get();
        } catch (RuntimeException e) {
            release(id);
            throw new PinException(what + " could not be opened (" + e.getMessage() + "). On a Pi, check that the"
                    + " user running Pigeon is in the gpio (and i2c) group and that the interface is enabled", e);
        }
    }

    @Override
    public InputPin input(String owner, int bcm, Pull pull, int debounce, Consumer<Boolean> listener) {
        checkBcm(bcm);
        String id = "bcm" + bcm;
        DigitalInput input = open(id, "BCM " + bcm, owner, () -> pi4j.create(DigitalInput.newConfigBuilder(pi4j)
                .id(id).name(owner).address(bcm).pull(pullOf(pull))
                .debounce((long) debounce * 1000L)));
        input.addListener(event -> listener.accept(event.state() == DigitalState.HIGH));
        return new InputPin() {
            @Override
            public int bcm() {
                return bcm;
            }

            @Override
            public boolean high() {
                return input.state() == DigitalState.HIGH;
            }

            @Override
            public void simulate(boolean high) {
                if (!(input instanceof MockDigitalInput mock)) {
                    throw new UnsupportedOperationException("BCM " + bcm + " is real hardware; it cannot be simulated");
                }
                mock.mockState(high ? DigitalState.HIGH : DigitalState.LOW);
            }

            @Override
            public void close() {
                release(id);
            }
        };
    }

    private static PullResistance pullOf(Pull pull) {
        return switch (pull) {
            case UP -> PullResistance.PULL_UP;
            case DOWN -> PullResistance.PULL_DOWN;
            case OFF -> PullResistance.OFF;
        };
    }

    @Override
    public OutputPin output(String owner, int bcm, boolean initial, boolean shutdown) {
        checkBcm(bcm);
        String id = "bcm" + bcm;
        DigitalOutput output = open(id, "BCM " + bcm, owner, () -> pi4j.create(DigitalOutput.newConfigBuilder(pi4j)
                .id(id).name(owner).address(bcm).initial(state(initial)).shutdown(state(shutdown))));
        return new OutputPin() {
            @Override
            public int bcm() {
                return bcm;
            }

            @Override
            public boolean high() {
                return output.state() == DigitalState.HIGH;
            }

            @Override
            public void set(boolean high) {
                output.state(state(high));
            }

            @Override
            public void close() {
                release(id);
            }
        };
    }

    private static DigitalState state(boolean high) {
        return high ? DigitalState.HIGH : DigitalState.LOW;
    }

    @Override
    public PwmPin pwm(String owner, int bcm, int frequencyHz) {
        checkBcm(bcm);
        int channel;
        if (simulated) {
            channel = bcm;
        } else {
            Integer hardware = PWM_CHANNELS.get(bcm);
            if (hardware == null) {
                throw new PinException("BCM " + bcm + " has no hardware PWM; use BCM 12, 13, 18 or 19 (with"
                        + " dtoverlay=pwm-2chan in /boot/firmware/config.txt)");
            }
            channel = hardware;
        }
        String id = "bcm" + bcm;
        Pwm pwm = open(id, "BCM " + bcm, owner, () -> pi4j.create(Pwm.newConfigBuilder(pi4j)
                .id(id).name(owner).address(channel).pwmType(PwmType.HARDWARE).frequency(frequencyHz)
                .initial(0).shutdown(0)));
        return new PwmPin() {
            private volatile double duty;

            @Override
            public int bcm() {
                return bcm;
            }

            @Override
            public int frequencyHz() {
                return frequencyHz;
            }

            @Override
            public double duty() {
                return duty;
            }

            @Override
            public void duty(double percent) {
                if (percent <= 0) {
                    pwm.off();
                } else {
                    pwm.on(percent, frequencyHz);
                }
                duty = percent;
            }

            @Override
            public void close() {
                release(id);
            }
        };
    }

    @Override
    public I2cDevice i2c(String owner, int bus, int address) {
        String where = String.format(Locale.ROOT, "I2C address 0x%02x on bus %d", address, bus);
        String id = String.format(Locale.ROOT, "i2c-%d-%02x", bus, address);
        I2C i2c = open(id, where, owner, () -> pi4j.create(I2C.newConfigBuilder(pi4j).id(id).name(owner)
                .bus(bus).device(address)));
        return new I2cDevice() {
            @Override
            public int bus() {
                return bus;
            }

            @Override
            public int address() {
                return address;
            }

            @Override
            public int readRegister(int register) {
                int value = io(() -> i2c.readRegister(register));
                if (value < 0) {
                    throw new PinException(where + ": reading register " + register + " failed (" + value + ")");
                }
                return value & 0xff;
            }

            @Override
            public void readRegisters(int register, byte[] into) {
                int read = io(() -> i2c.readRegister(register, into, 0, into.length));
                if (read != into.length) {
                    throw new PinException(where + ": read " + read + " of " + into.length + " bytes from register "
                            + register);
                }
            }

            @Override
            public void writeRegister(int register, int value) {
                io(() -> i2c.writeRegister(register, (byte) value));
            }

            private int io(java.util.function.IntSupplier call) {
                try {
                    return call.getAsInt();
                } catch (PinException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new PinException(where + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                release(id);
            }
        };
    }
}
