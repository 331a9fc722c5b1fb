package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pigeon.gpio.Pull;

class PinSettingsTest {

    private static PinSettings parse(String... keyValues) throws ConfigException {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return PinSettings.parse(Configs.of(PinConfig.class, m), "door");
    }

    private static String refused(String... keyValues) {
        return assertThrows(ConfigException.class, () -> parse(keyValues)).getMessage();
    }

    @Test
    void defaultsAndTheNameFromTheFile() throws ConfigException {
        PinSettings s = parse("mode", "input", "pin", "17");
        assertEquals(new PinSettings("door", Mode.INPUT, 17, Pull.OFF, 10, false, Duration.ofSeconds(60), false,
                false, 1000, "", ""), s);
    }

    @Test
    void everyKey() throws ConfigException {
        PinSettings s = parse("name", "relay_1", "mode", " Output ", "pin", "27", "pull", "UP", "debounce", "50",
                "invert", "true", "interval", "0", "initial", "on", "shutdown", "1", "frequency", "200",
                "topic", "house/relay", "device.class", "door");
        assertEquals(new PinSettings("relay_1", Mode.OUTPUT, 27, Pull.UP, 50, true, Duration.ZERO, true, true, 200,
                "house/relay", "door"), s);
    }

    @Test
    void refusalsNameTheKeyTheValueAndTheFix() {
        assertTrue(refused("mode", "input", "pin", "28").contains("pin = '28': use a BCM GPIO number from 0 to 27"));
        assertTrue(refused("mode", "input", "pin", "-1").startsWith("pin = '-1'"));
        assertTrue(refused("mode", "input", "pin", "GPIO17").startsWith("pin = 'GPIO17'"));
        assertTrue(refused("mode", "input").startsWith("pin is missing"));
        assertTrue(refused("mode", "blink", "pin", "4").contains("mode = 'blink': use input, output or pwm"));
        assertTrue(refused("pin", "4").startsWith("mode is missing"));
        assertTrue(refused("mode", "input", "pin", "4", "pull", "sideways").startsWith("pull = 'sideways'"));
        assertTrue(refused("mode", "output", "pin", "4", "initial", "maybe").contains("use ON or OFF"));
        assertTrue(refused("mode", "pwm", "pin", "4", "frequency", "0").startsWith("frequency = '0'"));
        assertTrue(refused("mode", "input", "pin", "4", "topic", "a/+/b").startsWith("topic = 'a/+/b'"));
        assertTrue(refused("name", "front door", "mode", "input", "pin", "4").startsWith("name = 'front door'"));
    }
}
