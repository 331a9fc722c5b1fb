package io.pigeon.gpio.internal.sensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The SoC temperature from {@code <zone>/temp} (millidegrees Celsius, as every Linux thermal zone reports it).
 * Where the zone does not exist (a PC, a container) the reading is simulated: a value that drifts slowly between
 * 40 and 50 °C, so dashboards and tests have something that moves.
 */
public final class CpuTemperature implements SensorReader {

    public static final Path DEFAULT_ZONE = Path.of("/sys/class/thermal/thermal_zone0");

    private final Path temp;
    private final boolean simulated;
    private final long start = System.nanoTime();

    public CpuTemperature(Path zone) {
        this.temp = zone.resolve("temp");
        this.simulated = !Files.isReadable(temp);
    }

    @Override
    public List<Quantity> quantities() {
        return List.of(Quantity.TEMPERATURE);
    }

    @Override
    public boolean simulated() {
        return simulated;
    }

    public Path file() {
        return temp;
    }

    @Override
    public Map<Quantity, Double> read() throws IOException {
        if (simulated) {
            double minutes = (System.nanoTime() - start) / 60e9;
            return Map.of(Quantity.TEMPERATURE, 45.0 + 5.0 * Math.sin(minutes / 5.0));
        }
        String text = Files.readString(temp, StandardCharsets.US_ASCII).strip();
        try {
            return Map.of(Quantity.TEMPERATURE, Long.parseLong(text) / 1000.0);
        } catch (NumberFormatException e) {
            throw new IOException(temp + " holds '" + text + "', not millidegrees");
        }
    }
}
