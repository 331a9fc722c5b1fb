/**
 * Mosquitto-style bridges: each {@code connection NAME} section of etc/pigeon.conf (ConfigAdmin factory PID
 * {@code io.pigeon.bridge}) links the embedded broker to an upstream broker, and is registered as a
 * {@link io.pigeon.bridge.Bridge} service with {@value io.pigeon.bridge.Bridge#NAME_PROPERTY} set to NAME.
 */
@org.osgi.annotation.versioning.Version("0.2.0")
package io.pigeon.bridge;
