package io.pigeon.gpio.internal.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The w1_slave text of the kernel's w1-therm driver, as it looks on a Pi. */
class Ds18b20Test {

    static final String GOOD = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";

    @Test
    void readsMillidegrees() throws IOException {
        assertEquals(23.125, Ds18b20.parse(GOOD, "28-0316a2790ff1"));
        assertEquals(-10.5, Ds18b20.parse("50 ff 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 ff 4b 46 7f ff 0c 10 1c"
                + " t=-10500\n", "28-x"));
    }

    @Test
    void refusesABadCrcAndThePowerOnValue() {
        IOException crc = assertThrows(IOException.class, () -> Ds18b20.parse(GOOD.replace("YES", "NO"), "28-a"));
        assertTrue(crc.getMessage().contains("CRC"), crc.getMessage());
        IOException reset = assertThrows(IOException.class, () -> Ds18b20.parse(GOOD.replace("23125", "85000"),
                "28-a"));
        assertTrue(reset.getMessage().contains("power"), reset.getMessage());
        assertThrows(IOException.class, () -> Ds18b20.parse("", "28-a"));
    }

    @Test
    void listsThermometersOnly(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("28-0000000002"));
        Files.createDirectories(dir.resolve("28-0000000001"));
        Files.createDirectories(dir.resolve("w1_bus_master1"));
        assertEquals(List.of("28-0000000001", "28-0000000002"), Ds18b20.present(dir));
        assertEquals(List.of(), Ds18b20.present(dir.resolve("absent")));
    }
}
