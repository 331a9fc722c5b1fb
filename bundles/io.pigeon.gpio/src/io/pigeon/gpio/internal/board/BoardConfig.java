package io.pigeon.gpio.internal.board;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** PID {@code io.pigeon.gpio.board}: which Pi4J providers drive the pins (etc/io.pigeon.gpio.board.cfg). */
@ObjectClassDefinition(name = "Pigeon GPIO board", description = "Which Pi4J providers drive the GPIO pins.")
public @interface BoardConfig {

    @AttributeDefinition(name = "provider", options = {
            @Option(value = "auto", label = "auto: GpioD and LinuxFS on a Raspberry Pi, the mock provider elsewhere"),
            @Option(value = "pi", label = "pi: GpioD and LinuxFS (Raspberry Pi)"),
            @Option(value = "mock", label = "mock: no hardware; inputs take values from <topic>/simulate") },
            description = "auto detects a Raspberry Pi from /proc/device-tree/model and /dev/gpiochip0.")
    String provider() default "auto";

    @AttributeDefinition(name = "pwm.chip", description = "The /sys/class/pwm/pwmchipN of the hardware PWM: 0 on a"
            + " Pi 4 and older, 2 on a Pi 5.")
    int pwm_chip() default 0;
}
