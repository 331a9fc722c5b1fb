package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SourceTest {

    @Test
    void theNameComesFromTheFileOrThePid() {
        Source file = Source.of("file:/opt/pigeon/etc/io.pigeon.gpio.pin-door.cfg", "io.pigeon.gpio.pin~door");
        assertEquals("door", file.defaultName(PinSettings.FACTORY_PID));
        assertEquals("/opt/pigeon/etc/io.pigeon.gpio.pin-door.cfg (PID io.pigeon.gpio.pin~door)", file.toString());
        assertEquals("porch", Source.of("", "io.pigeon.gpio.pin~porch").defaultName(PinSettings.FACTORY_PID));
        assertEquals("", Source.of("", "io.pigeon.gpio.pin.1234").defaultName(PinSettings.FACTORY_PID));
        assertEquals("PID io.pigeon.gpio.pin.1234", Source.of("", "io.pigeon.gpio.pin.1234").toString());
    }
}
