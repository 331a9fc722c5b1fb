package io.pigeon.gpio.internal.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import io.pigeon.gpio.InputPin;
import io.pigeon.gpio.OutputPin;
import io.pigeon.gpio.PinException;
import io.pigeon.gpio.Pull;
import io.pigeon.gpio.PwmPin;

/** The Pi4J board on the mock provider: pins are claimed once, released on close, and inputs can be simulated. */
class Pi4jBoardTest {

    private Pi4jBoard board;

    @BeforeEach
    void mockBoard() {
        BoardConfig config = (BoardConfig) Proxy.newProxyInstance(BoardConfig.class.getClassLoader(),
                new Class<?>[] {BoardConfig.class}, (p, m, a) -> m.getName().equals("provider") ? "mock"
                        : m.getDefaultValue());
        Logger quiet = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (p, m, a) -> m.getReturnType() == boolean.class ? false : null);
        board = new Pi4jBoard(config, quiet);
    }

    @AfterEach
    void shutdown() {
        board.deactivate();
    }

    @Test
    void aPinHasOneOwnerUntilItIsClosed() {
        InputPin door = board.input("door", 17, Pull.UP, 10, high -> { });
        PinException twice = assertThrows(PinException.class, () -> board.output("relay", 17, false, false));
        assertEquals("BCM 17 is already used by door; give this one another pin, or remove the other configuration",
                twice.getMessage());
        door.close();
        OutputPin relay = board.output("relay", 17, true, false);
        assertTrue(relay.high(), "initial level");
        relay.set(false);
        assertFalse(relay.high());
        relay.close();
    }

    @Test
    void pinsOutsideTheHeaderAreRefused() {
        for (int bcm : new int[] {-1, 28, 40}) {
            PinException e = assertThrows(PinException.class, () -> board.input("x", bcm, Pull.OFF, 0, h -> { }));
            assertTrue(e.getMessage().endsWith("use 0 to 27"), e.getMessage());
        }
    }

    @Test
    void aSimulatedInputTellsItsListener() {
        List<Boolean> heard = new CopyOnWriteArrayList<>();
        InputPin in = board.input("button", 5, Pull.OFF, 0, heard::add);
        assertFalse(in.high());
        in.simulate(true);
        assertTrue(in.high());
        in.simulate(false);
        assertEquals(List.of(true, false), heard);
        in.close();
    }

    @Test
    void pwmTakesADutyCycle() {
        PwmPin fan = board.pwm("fan", 18, 25_000);
        fan.duty(40);
        assertEquals(40.0, fan.duty());
        assertEquals(Map.of("bcm", 18, "hz", 25_000), Map.of("bcm", fan.bcm(), "hz", fan.frequencyHz()));
        fan.duty(0);
        fan.close();
        board.pwm("fan again", 18, 100).close();
    }
}
