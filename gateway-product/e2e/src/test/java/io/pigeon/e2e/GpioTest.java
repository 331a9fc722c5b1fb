package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/**
 * The GPIO bridge of the built product on a machine without GPIO (Pi4J's mock provider): with embedded defaults
 * mosquitto_sub sees the availability topic and the CPU temperature; a .cfg file dropped into etc/ adds a pin while
 * the gateway runs, and deleting it removes the pin.
 */
@PigeonOnly("the GPIO bridge is part of the Pigeon product")
@WithBroker
class GpioTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    /** One mosquitto_sub line: MSG|topic|qos|retain|payload. */
    record Line(String topic, boolean retained, String payload) {
        static Line of(String line) {
            String[] f = line.split("\\|", 5);
            return new Line(f[1], f[3].equals("1"), f.length > 4 ? f[4] : "");
        }
    }

    @Test
    void defaultsPublishTheAvailabilityTopicAndTheCpuTemperature(Broker b) {
        try (Proc sub = Tools.sub(b, "-t", "pigeon/#", "-F", Tools.FORMAT)) {
            Line status = await(sub, "pigeon/<gateway-id>/status = online",
                    l -> l.topic().matches("pigeon/[^/]+/status") && l.payload().equals("online"));
            assertTrue(status.retained(), "availability is retained: " + status);
            String gateway = status.topic().split("/")[1];
            assertEquals(hostname(), gateway, "the gateway id defaults to the host name");
            Line cpu = await(sub, "pigeon/" + gateway + "/sensor/cpu",
                    l -> l.topic().equals("pigeon/" + gateway + "/sensor/cpu"));
            double celsius = Double.parseDouble(cpu.payload());
            assertTrue(celsius > -40 && celsius < 125, cpu.toString());
        }
        assertTrue(b.output().contains("publishes a simulated value"), "the log says the CPU temperature is"
                + " simulated here:\n" + b.outputTail());
    }

    @Test
    void aCfgDroppedIntoEtcAddsAPinWithoutRestartAndDeletingItRemovesThePin(Broker b) throws IOException {
        long pid = b.proc.process.pid();
        String gateway = hostname();
        String door = "pigeon/" + gateway + "/input/door";
        String relay = "pigeon/" + gateway + "/output/relay";
        Path etc = b.product.home.resolve("etc");
        try (Proc sub = Tools.sub(b, "-t", "pigeon/" + gateway + "/input/#", "-t", "pigeon/" + gateway + "/output/#",
                "-t", "homeassistant/+/" + gateway + "/#", "-F", Tools.FORMAT)) {
            drop(etc, "io.pigeon.gpio.pin-door.cfg", "mode = input\npin = 17\npull = down\n");
            await(sub, door + " = OFF", l -> l.topic().equals(door) && l.payload().equals("OFF"));
            await(sub, "the door's discovery message", l -> l.topic().equals("homeassistant/binary_sensor/"
                    + gateway + "/door/config") && l.payload().contains("\"state_topic\":\"" + door + "\""));

            Tools.pub(b, "-t", door + "/simulate", "-m", "ON");
            await(sub, door + " = ON", l -> l.topic().equals(door) && l.payload().equals("ON"));

            drop(etc, "io.pigeon.gpio.pin-relay.cfg", "mode = output\npin = 27\n");
            await(sub, relay + " = OFF", l -> l.topic().equals(relay) && l.payload().equals("OFF"));
            Tools.pub(b, "-t", relay + "/set", "-m", "TOGGLE");
            await(sub, relay + " = ON", l -> l.topic().equals(relay) && l.payload().equals("ON"));

            drop(etc, "io.pigeon.gpio.pin-bad.cfg", "mode = input\npin = 40\n");
            Sleep.until(WAIT, () -> b.output().contains("io.pigeon.gpio.pin-bad.cfg"));
            assertTrue(b.output().contains("Refused GPIO pin configuration " + etc.resolve(
                    "io.pigeon.gpio.pin-bad.cfg") + " (PID"), "the refusal names the file:\n" + b.outputTail());
            assertTrue(b.output().contains("pin = '40': use a BCM GPIO number from 0 to 27"), b.outputTail());

            Files.delete(etc.resolve("io.pigeon.gpio.pin-door.cfg"));
            await(sub, "the door's discovery removed", l -> l.topic().equals("homeassistant/binary_sensor/"
                    + gateway + "/door/config") && l.payload().isEmpty());
            Tools.pub(b, "-t", relay + "/set", "-m", "OFF");
            await(sub, relay + " = OFF after the door went", l -> l.topic().equals(relay)
                    && l.payload().equals("OFF"));
        }
        assertTrue(b.alive(), "the gateway died");
        assertEquals(pid, b.proc.process.pid(), "the gateway restarted");
    }

    /** Writes the file next to etc/ and moves it in, so FileInstall never reads half of it. */
    private static void drop(Path etc, String name, String content) throws IOException {
        Path staged = etc.resolveSibling(name + ".staged");
        Files.writeString(staged, content);
        Files.move(staged, etc.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static Line await(Proc sub, String what, Predicate<Line> match) {
        Optional<Line> found = Optional.empty();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            found = lines(sub).stream().filter(match).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Sleep.millis(100);
        }
        throw new AssertionError("mosquitto_sub saw no " + what + " within " + WAIT.toSeconds() + " s; it saw "
                + lines(sub));
    }

    private static List<Line> lines(Proc sub) {
        return Tools.messages(sub).stream().map(Line::of).toList();
    }

    /** The host name as the gateway reads it. */
    private static String hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            int dot = name.indexOf('.');
            return dot > 0 ? name.substring(0, dot) : name;
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/sys/kernel/hostname", e);
        }
    }
}
