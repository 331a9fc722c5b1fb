package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/**
 * The GPIO page's routes. Pins and sensors are the factory configurations {@value #PIN_PID} and {@value #SENSOR_PID}
 * (forms and saves go through {@link SettingsServlets}); their state is the retained state topic the GPIO bridge
 * publishes (a sensor's quantities on {@code <topic>/<quantity>}, its failure on {@code <topic>/error}), shown only
 * when the user may read it: {@link Pins} reads what the broker retains now, {@link Events} pushes every change.
 * <p>
 * Switching an output or setting a PWM duty publishes to {@code <state topic>/set} through {@link BrokerGate}: the
 * same message an MQTT client sends, checked against the user's ACL rights, and taken by the GPIO bridge through the
 * same subscription. So the console can do nothing a user could not do with mosquitto_pub, the bridge's own checks
 * (ON/OFF/TOGGLE, duty 0-100) apply, and the new state comes back on the state topic as for every client. The GPIO
 * API (Board/OutputPin) is not the way in: the pins are opened and owned by the bridge, and driving them past it
 * would leave its state topic wrong.
 */
final class GpioServlets {

    static final String PIN_PID = "io.pigeon.gpio.pin";
    static final String SENSOR_PID = "io.pigeon.gpio.sensor";
    /** The GPIO bridge's own configuration: topic.prefix and gateway.id. */
    static final String BRIDGE_PID = "io.pigeon.gpio";
    /** The level below a sensor's topic where the bridge says why it cannot read it. */
    static final String ERROR_LEVEL = "error";

    private GpioServlets() {
    }

    /**
     * A configured pin or sensor and where it publishes. {@code topic} is null while unknown; {@code discovery} is the
     * filter its topic is looked for with when the gateway level is not configured (null when it is).
     */
    record Item(Configuration configuration, String name, String kind, boolean sensor, String topic,
            String discovery) {
    }

    /**
     * The state topic of a configuration as io.pigeon.gpio forms it: its {@code topic}, else
     * {@code <topic.prefix>/<gateway.id>/<kind>/<name>}. Without a configured gateway.id (the default is the host name)
     * the gateway level is taken from the state topics the broker retains.
     */
    static Item item(Configuration c, boolean sensor, Dictionary<String, Object> bridge, Broker broker) {
        Dictionary<String, Object> p = c.getProperties();
        String name = text(p, "name");
        if (name.isEmpty()) {
            name = ConfigForms.instanceName(c);
        }
        String kind = sensor ? "sensor" : text(p, "mode").isEmpty() ? "input" : text(p, "mode");
        String topic = text(p, "topic");
        String discovery = null;
        if (topic.isEmpty()) {
            String prefix = text(bridge, "topic.prefix");
            prefix = prefix.isEmpty() ? "pigeon" : prefix;
            String gateway = text(bridge, "gateway.id");
            if (!gateway.isEmpty()) {
                topic = prefix + "/" + gateway + "/" + kind + "/" + name;
            } else {
                discovery = prefix + "/+/" + kind + "/" + name;
                List<Message> seen = retained(broker, discovery);
                topic = seen.isEmpty() ? null : seen.get(0).topic();
            }
        }
        return new Item(c, name, kind, sensor, topic, discovery);
    }

    /** The broker's retained messages on a filter; none for a name that is no valid filter (a bad topic setting). */
    private static List<Message> retained(Broker broker, String filter) {
        if (TopicFilters.filterProblem(filter) != null) {
            return List.of();
        }
        List<Message> found = new ArrayList<>(broker.retained(filter));
        found.removeIf(m -> m.payload().length == 0);
        found.sort((a, b) -> a.topic().compareTo(b.topic()));
        return found;
    }

    private static String text(Dictionary<String, Object> p, String key) {
        Object v = p == null ? null : p.get(key);
        return v == null ? "" : v.toString().strip();
    }

    /** Every configured pin, then every sensor. */
    static List<Item> items(ConfigForms forms, Broker broker) throws IOException {
        Configuration bridgeConfig = forms.configuration(BRIDGE_PID);
        Dictionary<String, Object> bridge = bridgeConfig == null ? null : bridgeConfig.getProperties();
        List<Item> out = new ArrayList<>();
        for (Configuration c : forms.factoryConfigurations(PIN_PID)) {
            out.add(item(c, false, bridge, broker));
        }
        for (Configuration c : forms.factoryConfigurations(SENSOR_PID)) {
            out.add(item(c, true, bridge, broker));
        }
        return out;
    }

    /**
     * What a message on an item's topics says, for the page: {@code level} is "" for the state topic itself, else
     * the level below it (a sensor's quantity or {@value #ERROR_LEVEL}).
     */
    static Map<String, Object> state(Item item, String topic, byte[] payload, long millis) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", item.configuration().getPid());
        m.put("level", topic.equals(item.topic()) ? "" : topic.substring(topic.lastIndexOf('/') + 1));
        m.put("value", new String(payload, StandardCharsets.UTF_8));
        m.put("time", millis);
        return m;
    }

    /** {@code GET /api/gpio}: every configured pin and sensor with its state topic, last state and problem. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gpio")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Pins extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient ConfigForms forms;
        private final transient Broker broker;
        private final transient BrokerGate gate;
        private final transient GpioProblems problems;
        private final transient UserStore users;

        @Activate
        public Pins(@Reference ConfigForms forms, @Reference Broker broker, @Reference BrokerGate gate,
                @Reference GpioProblems problems, @Reference UserStore users) {
            this.forms = forms;
            this.broker = broker;
            this.gate = gate;
            this.problems = problems;
            this.users = users;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ClientIdentity who = identity(request);
            List<Map<String, Object>> pins = new ArrayList<>();
            List<Map<String, Object>> sensors = new ArrayList<>();
            for (Item item : items(forms, broker)) {
                (item.sensor() ? sensors : pins).add(json(item, who));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("canSave", users.isAdmin(session(request).user));
            out.put("pins", pins);
            out.put("sensors", sensors);
            ok(response, out);
        }

        private Map<String, Object> json(Item item, ClientIdentity who) {
            Configuration c = item.configuration();
            Dictionary<String, Object> p = c.getProperties();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", c.getPid());
            m.put("name", item.name());
            m.put("kind", item.kind());
            m.put("pin", item.sensor() ? null : text(p, "pin"));
            m.put("type", item.sensor() ? text(p, "type") : null);
            m.put("topic", item.topic());
            m.put("origin", ConfigForms.origin(c));
            m.put("problem", problems.problem(c.getPid()));
            boolean readable = item.topic() != null && gate.canReceive(who, item.topic());
            m.put("readable", readable);
            List<Map<String, Object>> states = new ArrayList<>();
            if (readable) {
                for (Message r : retained(broker, item.topic())) {
                    states.add(state(item, r.topic(), r.payload(), 0));
                }
                if (item.sensor()) {
                    for (Message r : retained(broker, item.topic() + "/+")) {
                        if (gate.canReceive(who, r.topic())) {
                            states.add(state(item, r.topic(), r.payload(), 0));
                        }
                    }
                }
            }
            // the state topic's value; a sensor's quantities and error as levels
            m.put("states", states);
            return m;
        }
    }

    /**
     * {@code GET /api/gpio/events}: the GPIO page's live state, as Server-Sent Events. For every pin and sensor whose
     * state topic is known, an in-process subscription with the user's rights to that topic (and, for a sensor, to
     * the levels below it); the broker hands over the retained state first. Events: {@code subscribed} (the PIDs
     * followed), {@code state} (see {@link GpioServlets#state}), {@code changed} (a pin or sensor configuration, the
     * bridge's settings or a GPIO refusal changed, or a pin whose topic was unknown published: the page reads
     * {@code /api/gpio} again and opens a new stream). Nothing is sent while nothing changes.
     * <p>
     * The broker is a dynamic reference: see {@link BrokerStreams}.
     */
    @Component(service = {Servlet.class, ConfigurationListener.class})
    @HttpWhiteboardServletPattern("/api/gpio/events")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Events extends ApiServlet implements ConfigurationListener {
        private static final long serialVersionUID = 1L;
        private static final Map<String, Object> NOTHING = Map.of();
        private final transient ConfigForms forms;
        private final transient GpioProblems problems;
        private final transient BrokerStreams streams;
        private final transient Clock clock = Clock.systemUTC();

        @Activate
        public Events(@Reference ConfigForms forms, @Reference GpioProblems problems,
                @Reference EventStreams streams) {
            this.forms = forms;
            this.problems = problems;
            this.streams = new BrokerStreams(streams);
        }

        @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
        void bindGate(BrokerGate g) {
            streams.bind(g);
        }

        void unbindGate(BrokerGate g) {
            streams.unbind(g);
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            ClientIdentity who = identity(request);
            streams.serve(session(request), response, (g, stream) -> {
                List<Subscription> subscriptions = new ArrayList<>();
                Runnable changed = () -> stream.offer("changed", NOTHING);
                problems.addListener(changed);
                try {
                    List<String> followed = new ArrayList<>();
                    for (Item item : items(forms, g.broker())) {
                        if (item.topic() == null) {
                            subscribe(g, who, item.discovery(), m -> changed.run(), subscriptions);
                            continue;
                        }
                        MessageHandler handler = m -> stream.offer("state", state(item, m.topic(), m.payload(),
                                clock.millis()));
                        if (subscribe(g, who, item.topic(), handler, subscriptions)) {
                            followed.add(item.configuration().getPid());
                        }
                        if (item.sensor()) {
                            subscribe(g, who, item.topic() + "/+", handler, subscriptions);
                        }
                    }
                    stream.pump(response, new EventStreams.Event("subscribed", Map.of("pids", followed)));
                } finally {
                    subscriptions.forEach(Subscription::close);
                    problems.removeListener(changed);
                }
            });
        }

        /** Subscribes with the user's rights; false (and nothing followed) where the ACL refuses or the topic is bad. */
        private static boolean subscribe(BrokerGate gate, ClientIdentity who, String filter, MessageHandler handler,
                List<Subscription> into) {
            try {
                into.add(gate.subscribe(who, filter, handler));
                return true;
            } catch (BrokerGate.Refused | IllegalArgumentException e) {
                return false;
            }
        }

        @Override
        public void configurationEvent(ConfigurationEvent event) {
            if (PIN_PID.equals(event.getFactoryPid()) || SENSOR_PID.equals(event.getFactoryPid())
                    || BRIDGE_PID.equals(event.getPid())) {
                streams.forEachOpen(s -> s.offer("changed", NOTHING));
            }
        }
    }

    /**
     * {@code POST /api/gpio/set} {"pid", "value"}: publishes value (ON, OFF, TOGGLE; a PWM duty 0-100) to the pin's
     * {@code <topic>/set} with the user's rights.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gpio/set")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Set extends ApiServlet {
        private static final long serialVersionUID = 1L;

        static final class Request {
            String pid;
            String value;
        }

        private final transient ConfigForms forms;
        private final transient Broker broker;
        private final transient BrokerGate gate;

        @Activate
        public Set(@Reference ConfigForms forms, @Reference Broker broker, @Reference BrokerGate gate) {
            this.forms = forms;
            this.broker = broker;
            this.gate = gate;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            if (r.pid == null || r.value == null) {
                throw new BadRequest("send {\"pid\", \"value\"}");
            }
            Configuration c = forms.configuration(r.pid);
            if (c == null || !PIN_PID.equals(c.getFactoryPid())) {
                throw new BadRequest(404, "no GPIO pin " + r.pid + "; reload the page");
            }
            Configuration bridgeConfig = forms.configuration(BRIDGE_PID);
            Item item = item(c, false, bridgeConfig == null ? null : bridgeConfig.getProperties(), broker);
            if (item.kind().equals("input")) {
                throw new BadRequest(item.name() + " is an input: it cannot be set");
            }
            if (item.topic() == null) {
                throw new BadRequest(409, item.name() + " has not published its state yet, so its topic is not"
                        + " known: see the problem shown for it, or set gateway.id in etc/io.pigeon.gpio.cfg");
            }
            String value = r.value.strip();
            MqttServlets.publish(gate, identity(request), new Message(item.topic() + "/set",
                    value.getBytes(StandardCharsets.UTF_8), 1, false));
            ok(response, Map.of("topic", item.topic() + "/set", "value", value));
        }
    }
}
