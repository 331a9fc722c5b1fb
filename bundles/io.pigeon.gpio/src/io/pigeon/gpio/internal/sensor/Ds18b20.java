package io.pigeon.gpio.internal.sensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A DS18B20 1-Wire thermometer through the kernel's w1-therm driver: {@code <device>/w1_slave} holds two lines,
 * the first ending in {@code YES} when the CRC matched, the second ending in {@code t=<millidegrees>}.
 */
public final class Ds18b20 implements SensorReader {

    public static final Path DEVICES = Path.of("/sys/bus/w1/devices");

    /** The kernel's value when the conversion did not happen (power-on reset value of the scratchpad). */
    private static final long POWER_ON_RESET = 85000;

    private final Path device;

    public Ds18b20(Path device) {
        this.device = device;
    }

    /** The thermometers present under {@code devices} ({@code 28-*}), sorted by id. */
    public static List<String> present(Path devices) {
        if (!Files.isDirectory(devices)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(devices)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("28-")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public Path device() {
        return device;
    }

    @Override
    public List<Quantity> quantities() {
        return List.of(Quantity.TEMPERATURE);
    }

    @Override
    public Map<Quantity, Double> read() throws IOException {
        return Map.of(Quantity.TEMPERATURE, parse(Files.readString(device.resolve("w1_slave"), StandardCharsets.US_ASCII),
                device.getFileName().toString()));
    }

    /** Parses the w1_slave text into degrees Celsius. */
    public static double parse(String w1Slave, String id) throws IOException {
        String[] lines = w1Slave.strip().split("\n");
        if (lines.length < 2 || !lines[0].strip().endsWith("YES")) {
            throw new IOException("DS18B20 " + id + ": CRC check failed (" + lines[0].strip() + "); check the wiring"
                    + " and the 4.7 kΩ pull-up");
        }
        int t = lines[1].indexOf("t=");
        if (t < 0) {
            throw new IOException("DS18B20 " + id + ": no temperature in '" + lines[1].strip() + "'");
        }
        long milli;
        try {
            milli = Long.parseLong(lines[1].substring(t + 2).strip());
        } catch (NumberFormatException e) {
            throw new IOException("DS18B20 " + id + ": '" + lines[1].strip() + "' is not a temperature");
        }
        if (milli == POWER_ON_RESET) {
            throw new IOException("DS18B20 " + id + ": reads 85.0 °C, the power-on value: the conversion did not"
                    + " run (check the power supply of the sensor)");
        }
        return milli / 1000.0;
    }
}
