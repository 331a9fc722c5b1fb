/**
 * GPIO hardware as the gateway sees it: a {@link io.pigeon.gpio.Board} opens digital inputs and outputs, PWM
 * outputs and I2C devices by BCM number. The bundle registers one {@code Board} service, backed by Pi4J: GpioD for
 * GPIO and LinuxFS for I2C and PWM on a Raspberry Pi, Pi4J's mock provider elsewhere (then
 * {@link io.pigeon.gpio.Board#simulated()} is true and inputs take simulated levels).
 * <p>
 * The MQTT bridge (pins and sensors configured as ConfigAdmin factory configurations {@code io.pigeon.gpio.pin} and
 * {@code io.pigeon.gpio.sensor}) is built on this API and the client service; it is private to the bundle.
 */
@org.osgi.annotation.versioning.Version("0.1.0")
package io.pigeon.gpio;
