package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.cm.Configuration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.broker.Message;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.console.ConsoleContext;

/**
 * The GPIO page's routes. Pins and sensors are the factory configurations {@value #PIN_PID} and {@value #SENSOR_PID}
 * (forms and saves go through {@link SettingsServlets}); their live state is the retained state topic the GPIO bridge
 * publishes, as the console's {@link TopicTree} last saw it, shown only when the user may read it.
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

    private GpioServlets() {
    }

    /** A configured pin or sensor and where it publishes. {@code topic} is null while unknown. */
    record Item(Configuration configuration, String name, String kind, String topic) {
    }

    /**
     * The state topic of a configuration as io.pigeon.gpio forms it: its {@code topic}, else
     * {@code <topic.prefix>/<gateway.id>/<kind>/<name>}. Without a configured gateway.id (the default is the host name)
     * the gateway level is taken from the topics the broker has seen.
     */
    static Item item(Configuration c, boolean sensor, Dictionary<String, Object> bridge, TopicTree tree) {
        Dictionary<String, Object> p = c.getProperties();
        String name = text(p, "name");
        if (name.isEmpty()) {
            name = ConfigForms.instanceName(c);
        }
        String kind = sensor ? "sensor" : text(p, "mode").isEmpty() ? "input" : text(p, "mode");
        String topic = text(p, "topic");
        if (topic.isEmpty()) {
            String prefix = text(bridge, "topic.prefix");
            prefix = prefix.isEmpty() ? "pigeon" : prefix;
            String gateway = text(bridge, "gateway.id");
            if (!gateway.isEmpty()) {
                topic = prefix + "/" + gateway + "/" + kind + "/" + name;
            } else {
                String filter = prefix + "/+/" + kind + "/" + name;
                List<TopicTree.Entry> seen = tree.snapshot(t -> TopicFilters.matches(filter, t));
                topic = seen.isEmpty() ? null : seen.get(0).topic();
            }
        }
        return new Item(c, name, kind, topic);
    }

    private static String text(Dictionary<String, Object> p, String key) {
        Object v = p == null ? null : p.get(key);
        return v == null ? "" : v.toString().strip();
    }

    /** {@code GET /api/gpio}: every configured pin and sensor with its state topic, last state and problem. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/gpio")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Pins extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient ConfigForms forms;
        private final transient TopicTree tree;
        private final transient BrokerGate gate;
        private final transient GpioProblems problems;
        private final transient UserStore users;

        @Activate
        public Pins(@Reference ConfigForms forms, @Reference TopicTree tree, @Reference BrokerGate gate,
                @Reference GpioProblems problems, @Reference UserStore users) {
            this.forms = forms;
            this.tree = tree;
            this.gate = gate;
            this.problems = problems;
            this.users = users;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ClientIdentity who = identity(request);
            Configuration bridgeConfig = forms.configuration(BRIDGE_PID);
            Dictionary<String, Object> bridge = bridgeConfig == null ? null : bridgeConfig.getProperties();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("canSave", users.isAdmin(session(request).user));
            out.put("pins", list(forms.factoryConfigurations(PIN_PID), false, bridge, who));
            out.put("sensors", list(forms.factoryConfigurations(SENSOR_PID), true, bridge, who));
            ok(response, out);
        }

        private List<Map<String, Object>> list(List<Configuration> configs, boolean sensor,
                Dictionary<String, Object> bridge, ClientIdentity who) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Configuration c : configs) {
                Item item = item(c, sensor, bridge, tree);
                Dictionary<String, Object> p = c.getProperties();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pid", c.getPid());
                m.put("name", item.name());
                m.put("kind", item.kind());
                m.put("pin", sensor ? null : text(p, "pin"));
                m.put("type", sensor ? text(p, "type") : null);
                m.put("topic", item.topic());
                m.put("origin", ConfigForms.origin(c));
                m.put("problem", problems.problem(c.getPid()));
                boolean readable = item.topic() != null && gate.canReceive(who, item.topic());
                m.put("readable", readable);
                TopicTree.Entry state = null;
                if (readable) {
                    List<TopicTree.Entry> found = tree.snapshot(t -> t.equals(item.topic()));
                    state = found.isEmpty() ? null : found.get(0);
                }
                m.put("state", state == null ? null : new String(state.lastValue(), StandardCharsets.UTF_8));
                m.put("time", state == null ? null : state.lastMillis());
                out.add(m);
            }
            return out;
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
        private final transient TopicTree tree;
        private final transient BrokerGate gate;

        @Activate
        public Set(@Reference ConfigForms forms, @Reference TopicTree tree, @Reference BrokerGate gate) {
            this.forms = forms;
            this.tree = tree;
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
            Item item = item(c, false, bridgeConfig == null ? null : bridgeConfig.getProperties(), tree);
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
