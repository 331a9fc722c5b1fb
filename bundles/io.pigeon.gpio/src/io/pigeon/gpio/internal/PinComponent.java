package io.pigeon.gpio.internal;

import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.gpio.PinException;

/**
 * One GPIO pin per factory configuration {@code io.pigeon.gpio.pin} (a file etc/io.pigeon.gpio.pin-NAME.cfg).
 * A configuration that cannot work is refused with one log line naming the file, the key and the fix, and the
 * component stays idle; every other pin goes on. Editing the file re-opens the pin; deleting it closes the pin
 * (driving an output to its shutdown level) and removes it from Home Assistant.
 */
@Component(service = {}, configurationPid = PinSettings.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = PinConfig.class, factory = true)
public final class PinComponent {

    private final GpioBridge bridge;
    private final PinBinding binding;

    @Activate
    public PinComponent(PinConfig config, ConfigOrigin origin, @Reference GpioBridge bridge,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.bridge = bridge;
        Source source = Source.of(origin.felix_fileinstall_filename(), origin.service_pid());
        PinBinding opened = null;
        try {
            PinSettings settings = PinSettings.parse(config, source.defaultName(PinSettings.FACTORY_PID));
            opened = PinBinding.open(bridge, settings, source, log);
            log.info("GPIO {} {} on BCM {}: {} ({}).", settings.mode().kind, settings.name(), settings.bcm(),
                    PinBinding.topicOf(bridge, settings), source);
        } catch (ConfigException e) {
            log.error("Refused GPIO pin configuration {}: {}. Fix the file; the other pins keep working.", source,
                    e.getMessage());
        } catch (PinException e) {
            log.error("Refused GPIO pin configuration {}: {}. The other pins keep working.", source, e.getMessage());
        }
        binding = opened;
        if (binding != null) {
            bridge.execute(binding::start);
        }
    }

    @Deactivate
    void deactivate(int reason) {
        if (binding != null) {
            boolean withdraw = reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED
                    || reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_MODIFIED;
            bridge.call(() -> binding.stop(withdraw));
        }
    }
}
