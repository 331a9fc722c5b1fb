package io.pigeon.gpio.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.gpio.I2cDevice;
import io.pigeon.gpio.PinException;
import io.pigeon.gpio.internal.sensor.Bme280;
import io.pigeon.gpio.internal.sensor.CpuTemperature;
import io.pigeon.gpio.internal.sensor.Ds18b20;
import io.pigeon.gpio.internal.sensor.SensorReader;

/**
 * One sensor per factory configuration {@code io.pigeon.gpio.sensor}. A sensor that is not there when the
 * configuration arrives is refused with a log line that says what was found and what to do; one that fails later is
 * retried with backoff and reported on {@code <topic>/error} ({@link SensorPoller}).
 */
@Component(service = {}, configurationPid = SensorSettings.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = SensorConfig.class, factory = true)
public final class SensorComponent {

    private final GpioBridge bridge;
    private final SensorPoller poller;

    @Activate
    public SensorComponent(SensorConfig config, ConfigOrigin origin, @Reference GpioBridge bridge,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.bridge = bridge;
        Source source = Source.of(origin.felix_fileinstall_filename(), origin.service_pid());
        SensorPoller made = null;
        try {
            SensorSettings settings = SensorSettings.parse(config, source.defaultName(SensorSettings.FACTORY_PID));
            SensorReader reader = reader(settings, bridge, log);
            String topic = settings.topic().isEmpty() ? bridge.topic("sensor", settings.name()) : settings.topic();
            made = new SensorPoller(bridge, settings.name(), source.toString(), topic, reader, settings.interval(),
                    log);
            log.info("Sensor {} ({}) every {} s on {}.", settings.name(),
                    settings.type().name().toLowerCase(Locale.ROOT), settings.interval().toSeconds(), topic);
        } catch (ConfigException e) {
            log.error("Refused sensor configuration {}: {}. Fix the file; the other pins and sensors keep working.",
                    source, e.getMessage());
        } catch (IOException | PinException e) {
            log.error("Refused sensor configuration {}: {}. The other pins and sensors keep working.", source,
                    e.getMessage());
        }
        poller = made;
        if (poller != null) {
            bridge.execute(poller::start);
        }
    }

    private static SensorReader reader(SensorSettings s, GpioBridge bridge, Logger log) throws IOException {
        switch (s.type()) {
            case CPU: {
                CpuTemperature cpu = new CpuTemperature(s.device().isEmpty() ? CpuTemperature.DEFAULT_ZONE
                        : Path.of(s.device()));
                if (cpu.simulated()) {
                    log.info("Sensor {}: {} does not exist here, so it publishes a simulated CPU temperature.",
                            s.name(), cpu.file());
                }
                return cpu;
            }
            case DS18B20: {
                Path device = ds18b20(s.device());
                if (!Files.isReadable(device.resolve("w1_slave"))) {
                    List<String> found = Ds18b20.present(Ds18b20.DEVICES);
                    throw new IOException("no DS18B20 at " + device + "; " + (found.isEmpty()
                            ? "no 1-Wire thermometer is present: enable 1-Wire (dtoverlay=w1-gpio in"
                                    + " /boot/firmware/config.txt, data on BCM 4 with a 4.7 kΩ pull-up) and reboot"
                            : "present: " + String.join(", ", found) + "; set device to one of them"));
                }
                return new Ds18b20(device);
            }
            case BME280: {
                I2cDevice device = bridge.board().i2c(s.name(), s.bus(), s.address());
                try {
                    return new Bme280(device);
                } catch (IOException | RuntimeException e) {
                    device.close();
                    throw new IOException(e.getMessage() + ". Check the wiring, enable I2C (raspi-config), and find"
                            + " the address with `i2cdetect -y " + s.bus() + "`", e);
                }
            }
            default:
                throw new IllegalStateException(s.type().toString());
        }
    }

    /** The device folder: an absolute path as given, an id under /sys/bus/w1/devices, or the only one there. */
    private static Path ds18b20(String device) throws IOException {
        if (device.startsWith("/")) {
            return Path.of(device);
        }
        if (!device.isEmpty()) {
            return Ds18b20.DEVICES.resolve(device);
        }
        List<String> found = Ds18b20.present(Ds18b20.DEVICES);
        if (found.size() == 1) {
            return Ds18b20.DEVICES.resolve(found.get(0));
        }
        throw new IOException(found.isEmpty()
                ? "no DS18B20 is present under " + Ds18b20.DEVICES + ": enable 1-Wire (dtoverlay=w1-gpio in"
                        + " /boot/firmware/config.txt, data on BCM 4 with a 4.7 kΩ pull-up) and reboot"
                : "several DS18B20 are present (" + String.join(", ", found) + "); set device to one of them");
    }

    @Deactivate
    void deactivate(int reason) {
        if (poller != null) {
            boolean withdraw = reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED
                    || reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_MODIFIED;
            bridge.call(() -> poller.stop(withdraw));
        }
    }
}
