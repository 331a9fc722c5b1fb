package io.pigeon.gpio.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

import org.osgi.service.log.Logger;

import io.pigeon.gpio.InputPin;
import io.pigeon.gpio.OutputPin;
import io.pigeon.gpio.PinException;
import io.pigeon.gpio.PwmPin;

/**
 * One open pin wired to its topics. The pin is opened when the binding is made (so a second user of the same pin
 * is refused at once); {@link #start} and {@link #stop} run on the bridge thread, as every handler does.
 */
abstract sealed class PinBinding {

    protected final GpioBridge bridge;
    protected final PinSettings settings;
    protected final Source source;
    protected final Logger log;
    protected final String topic;
    private final Announcement announcement;
    private final List<GpioBridge.Listening> subscriptions = new ArrayList<>();
    private boolean stopped;
    private Runnable stopRepublishing = () -> { };

    private PinBinding(GpioBridge bridge, PinSettings settings, Source source, Logger log, String component,
            Map<String, Object> fields) {
        this.bridge = bridge;
        this.settings = settings;
        this.source = source;
        this.log = log;
        this.topic = topicOf(bridge, settings);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("state_topic", topic);
        all.putAll(fields);
        this.announcement = bridge.announcement(component, settings.name(), all);
    }

    static String topicOf(GpioBridge bridge, PinSettings settings) {
        return settings.topic().isEmpty() ? bridge.topic(settings.mode().kind, settings.name()) : settings.topic();
    }

    /** Opens the pin. @throws PinException when the board refuses it */
    static PinBinding open(GpioBridge bridge, PinSettings settings, Source source, Logger log) {
        return switch (settings.mode()) {
            case INPUT -> new Input(bridge, settings, source, log);
            case OUTPUT -> new Output(bridge, settings, source, log);
            case PWM -> new Pwm(bridge, settings, source, log);
        };
    }

    Announcement announcement() {
        return announcement;
    }

    /**
     * Subscribes to the pin's command topics, and once the broker has the subscriptions publishes the state and the
     * discovery message: a state on the topic means the pin hears its commands.
     */
    final void start() {
        listen();
        CompletableFuture.allOf(subscriptions.stream().map(s -> s.ready().toCompletableFuture())
                .toArray(CompletableFuture[]::new)).thenRun(() -> bridge.execute(() -> {
                    if (!stopped) {
                        publishState();
                        bridge.announce(announcement);
                        stopRepublishing = bridge.onReconnect(this::republishState);
                        started();
                    }
                }));
    }

    /** Subscribes to the command topics, through {@link #subscribe}. */
    protected void listen() {
    }

    /** After the first state is out. */
    protected void started() {
    }

    /** @param withdraw also remove the entity from Home Assistant (the configuration was deleted or changed) */
    void stop(boolean withdraw) {
        stopped = true;
        stopRepublishing.run();
        subscriptions.forEach(GpioBridge.Listening::close);
        subscriptions.clear();
        if (withdraw) {
            bridge.withdraw(announcement);
            bridge.publish(topic, "", true); // no retained state of a pin that is gone
        } else {
            bridge.forget(announcement);
        }
        close();
    }

    protected void subscribe(String filter, Consumer<String> handler) {
        subscriptions.add(bridge.subscribe(filter, payload -> {
            try {
                handler.accept(payload);
            } catch (IllegalArgumentException | PinException | UnsupportedOperationException e) {
                log.warn("{} on {} ignored: {} (pin configured in {})", filter, settings.name(), e.getMessage(),
                        source);
            }
        }));
    }

    protected abstract void publishState();

    /** Publishes the state even when it did not change (after a reconnect). */
    protected void republishState() {
        publishState();
    }

    protected abstract void close();

    /** A digital input: publishes ON/OFF on every change and every interval; on a mock board follows /simulate. */
    static final class Input extends PinBinding {
        private final InputPin pin;
        private ScheduledFuture<?> repeat;
        private String lastPublished;

        Input(GpioBridge bridge, PinSettings s, Source source, Logger log) {
            super(bridge, s, source, log, "binary_sensor", fields(s));
            pin = bridge.board().input(s.name(), s.bcm(), s.pull(), s.debounceMillis(),
                    high -> bridge.execute(this::publishState));
        }

        private static Map<String, Object> fields(PinSettings s) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("payload_on", Payloads.ON);
            f.put("payload_off", Payloads.OFF);
            if (!s.deviceClass().isEmpty()) {
                f.put("device_class", s.deviceClass());
            }
            return f;
        }

        @Override
        protected void listen() {
            if (bridge.board().simulated()) {
                subscribe(topic + "/simulate", payload -> pin.simulate(Payloads.level(payload) ^ settings.invert()));
            }
        }

        @Override
        protected void started() {
            if (!settings.interval().isZero()) {
                scheduleRepeat();
            }
        }

        private void scheduleRepeat() {
            try {
                repeat = bridge.schedule(() -> {
                    lastPublished = null;
                    publishState();
                    scheduleRepeat();
                }, settings.interval());
            } catch (RejectedExecutionException e) {
                // the bridge is stopping
            }
        }

        @Override
        protected void republishState() {
            lastPublished = null;
            publishState();
        }

        @Override
        protected void publishState() {
            String state = Payloads.onOff(pin.high() ^ settings.invert());
            if (!state.equals(lastPublished)) {
                lastPublished = state;
                bridge.publish(topic, state, true);
            }
        }

        @Override
        protected void close() {
            if (repeat != null) {
                repeat.cancel(false);
            }
            pin.close();
        }
    }

    /** A digital output driven by ON/OFF/1/0/true/false/TOGGLE on {@code <topic>/set}, its state echoed. */
    static final class Output extends PinBinding {
        private final OutputPin pin;

        Output(GpioBridge bridge, PinSettings s, Source source, Logger log) {
            super(bridge, s, source, log, "switch", Map.of("command_topic", topicOf(bridge, s) + "/set",
                    "payload_on", Payloads.ON, "payload_off", Payloads.OFF, "state_on", Payloads.ON, "state_off",
                    Payloads.OFF));
            pin = bridge.board().output(s.name(), s.bcm(), s.initial(), s.shutdown());
        }

        @Override
        protected void listen() {
            subscribe(topic + "/set", payload -> {
                boolean high = switch (Payloads.command(payload)) {
                    case ON -> true;
                    case OFF -> false;
                    case TOGGLE -> !pin.high();
                };
                pin.set(high);
                publishState();
            });
        }

        @Override
        protected void publishState() {
            bridge.publish(topic, Payloads.onOff(pin.high()), true);
        }

        @Override
        protected void close() {
            pin.close();
        }
    }

    /**
     * A PWM output: duty cycle 0..100 (or ON = 100, OFF = 0) on {@code <topic>/set}, the duty echoed on
     * {@code <topic>}. Home Assistant sees a dimmable light.
     */
    static final class Pwm extends PinBinding {
        private final PwmPin pin;

        Pwm(GpioBridge bridge, PinSettings s, Source source, Logger log) {
            super(bridge, s, source, log, "light", lightFields(topicOf(bridge, s)));
            pin = bridge.board().pwm(s.name(), s.bcm(), s.frequencyHz());
        }

        private static Map<String, Object> lightFields(String topic) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("command_topic", topic + "/set");
            f.put("payload_on", Payloads.ON);
            f.put("payload_off", Payloads.OFF);
            f.put("state_value_template", "{{ 'ON' if value | float(0) > 0 else 'OFF' }}");
            f.put("brightness_command_topic", topic + "/set");
            f.put("brightness_state_topic", topic);
            f.put("brightness_scale", 100);
            f.put("on_command_type", "brightness");
            return f;
        }

        @Override
        protected void listen() {
            subscribe(topic + "/set", payload -> {
                pin.duty(Payloads.duty(payload));
                publishState();
            });
        }

        @Override
        protected void publishState() {
            bridge.publish(topic, Payloads.number(pin.duty(), 1), true);
        }

        @Override
        protected void close() {
            pin.close();
        }
    }
}
