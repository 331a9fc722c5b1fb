package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.pigeon.gpio.internal.Payloads.Command;

class PayloadsTest {

    @Test
    void commandsInEveryAcceptedSpelling() {
        for (String on : new String[] {"ON", "on", " On ", "1", "true", "TRUE"}) {
            assertEquals(Command.ON, Payloads.command(on), on);
        }
        for (String off : new String[] {"OFF", "off", "0", "false", "False\n"}) {
            assertEquals(Command.OFF, Payloads.command(off), off);
        }
        assertEquals(Command.TOGGLE, Payloads.command("toggle"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Payloads.command("2"));
        assertTrue(e.getMessage().contains("ON, OFF, 1, 0, true, false or TOGGLE"), e.getMessage());
    }

    @Test
    void levelsRefuseToggle() {
        assertTrue(Payloads.level("1"));
        assertThrows(IllegalArgumentException.class, () -> Payloads.level("TOGGLE"));
    }

    @Test
    void dutyCycles() {
        assertEquals(50.0, Payloads.duty("50"));
        assertEquals(12.5, Payloads.duty(" 12.5 % "));
        assertEquals(100.0, Payloads.duty("on"));
        assertEquals(0.0, Payloads.duty("OFF"));
        for (String bad : new String[] {"-1", "100.1", "NaN", "half", ""}) {
            assertThrows(IllegalArgumentException.class, () -> Payloads.duty(bad), bad);
        }
    }

    @Test
    void numbersAsPeopleReadThem() {
        assertEquals("21.4", Payloads.number(21.4375, 1));
        assertEquals("50", Payloads.number(50.0, 1));
        assertEquals("0", Payloads.number(0.0, 1));
        assertEquals("-3.2", Payloads.number(-3.24, 1));
        assertEquals("1006.5", Payloads.number(1006.53, 1));
    }
}
