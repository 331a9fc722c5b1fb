package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;

import io.pigeon.broker.Broker;
import io.pigeon.gpio.Board;

/**
 * The bridge in a real Equinox with DS, ConfigAdmin, the broker, the client service and Pi4J's mock provider:
 * configurations arrive as FileInstall would deliver them, and an outside MQTT client on a real socket sees the
 * topics and drives the pins.
 */
class GpioBridgeOsgiTest {

    static final String GW = "osgitest";
    static final String INPUT = "pigeon/" + GW + "/input/";
    static final String OUTPUT = "pigeon/" + GW + "/output/";

    static BundleContext context;
    static ConfigurationAdmin configAdmin;
    static Configuration listener;
    static Configuration bridgeConfig;
    static Configuration gatewayConnection;
    static int port;
    static LogListener logListener;
    static final List<String> log = new CopyOnWriteArrayList<>();

    final List<Configuration> created = new ArrayList<>();
    SocketMqttClient mqtt;

    @BeforeAll
    static void startBrokerListenerAndBridge() throws Exception {
        context = FrameworkUtil.getBundle(GpioBridgeOsgiTest.class).getBundleContext();
        configAdmin = service(ConfigurationAdmin.class);
        LogReaderService logReader = service(LogReaderService.class);
        logListener = (LogEntry e) -> {
            if (e.getBundle() != null && "io.pigeon.gpio".equals(e.getBundle().getSymbolicName())) {
                log.add(e.getLogLevel() + " " + e.getMessage());
            }
        };
        logReader.addLogListener(logListener);

        listener = configAdmin.createFactoryConfiguration("io.pigeon.listener", "?");
        listener.update(props("port", 0, "bind.address", "127.0.0.1"));
        // the gateway connection's will is the availability topic: give it this test's gateway id as well
        gatewayConnection = configAdmin.getConfiguration("io.pigeon.client", "?");
        gatewayConnection.update(props("will.topic", "pigeon/" + GW + "/status"));
        bridgeConfig = configAdmin.getConfiguration("io.pigeon.gpio", "?");
        bridgeConfig.update(props("gateway.id", GW, "cpu.temperature.interval", 1));
        Integer opened = listenerPort(3_000);
        if (opened == null) {
            // Known broker defect (reported): when the default listener could not bind 1883 (another broker on this
            // machine has it), the listener component does not pick up factory configurations that arrive later.
            // Restarting the broker bundle activates the listener components from the configurations present.
            Bundle broker = brokerBundle();
            broker.stop();
            broker.start();
            opened = listenerPort(SocketMqttClient.TIMEOUT_MS);
        }
        assertNotNull(opened, "the broker did not open the test listener");
        port = opened;
        assertTrue(service(Board.class).simulated(), "tests run on Pi4J's mock provider");
    }

    @AfterAll
    static void removeListenerAndBridgeConfig() throws Exception {
        if (bridgeConfig != null) {
            bridgeConfig.delete();
        }
        if (gatewayConnection != null) {
            gatewayConnection.delete();
        }
        if (listener != null) {
            listener.delete();
        }
        service(LogReaderService.class).removeLogListener(logListener);
    }

    @BeforeEach
    void connect() throws Exception {
        mqtt = new SocketMqttClient(port, "gpio-test");
        mqtt.subscribe("pigeon/#");
        mqtt.subscribe("homeassistant/#");
        log.clear();
    }

    @AfterEach
    void removePins() throws Exception {
        for (Configuration c : created) {
            c.delete();
        }
        Thread.sleep(300); // let the pins close before the next test opens them again
        mqtt.close();
    }

    private Configuration pin(String name, Object... keyValues) throws Exception {
        return factory("io.pigeon.gpio.pin", name, keyValues);
    }

    private Configuration factory(String factoryPid, String name, Object... keyValues) throws Exception {
        Configuration c = configAdmin.getFactoryConfiguration(factoryPid, name, "?");
        c.update(props(keyValues));
        created.add(c);
        return c;
    }

    @Test
    void anInputAppearsRetainedAndFollowsSimulatedLevels() throws Exception {
        pin("door1", "mode", "input", "pin", "17", "interval", "0");
        mqtt.await(INPUT + "door1", "OFF");

        try (SocketMqttClient late = new SocketMqttClient(port, "late")) {
            late.subscribe(INPUT + "door1");
            assertTrue(late.await(INPUT + "door1", "OFF").retain(), "the state is retained");
        }

        mqtt.publish(INPUT + "door1/simulate", "ON", false);
        mqtt.awaitNext(INPUT + "door1", "ON");
        mqtt.publish(INPUT + "door1/simulate", "false", false);
        mqtt.awaitNext(INPUT + "door1", "OFF");
    }

    @Test
    void anInvertedInputPublishesTheLogicalState() throws Exception {
        pin("button", "mode", "input", "pin", "6", "invert", "true", "pull", "up");
        mqtt.await(INPUT + "button", "ON");
        mqtt.publish(INPUT + "button/simulate", "OFF", false);
        mqtt.awaitNext(INPUT + "button", "OFF");
    }

    @Test
    void anOutputFollowsSetAndEchoesItsState() throws Exception {
        pin("relay", "mode", "output", "pin", "27", "initial", "ON");
        mqtt.await(OUTPUT + "relay", "ON");
        String[][] steps = {{"OFF", "OFF"}, {"TOGGLE", "ON"}, {"0", "OFF"}, {"true", "ON"}, {"toggle", "OFF"},
            {"1", "ON"}, {"false", "OFF"}};
        for (String[] step : steps) {
            mqtt.publish(OUTPUT + "relay/set", step[0], false);
            mqtt.awaitNext(OUTPUT + "relay", step[1]);
        }
        int before = mqtt.count();
        mqtt.publish(OUTPUT + "relay/set", "maybe", false);
        awaitLog("relay/set on relay ignored: 'maybe' is not a command");
        Thread.sleep(300);
        assertEquals(List.of(), mqtt.received().subList(before, mqtt.count()).stream()
                .filter(r -> r.topic().equals(OUTPUT + "relay")).toList(), "a bad command changes nothing");
    }

    @Test
    void aPwmOutputTakesADutyCycle() throws Exception {
        pin("fan", "mode", "pwm", "pin", "18", "frequency", "25000");
        String topic = "pigeon/" + GW + "/pwm/fan";
        mqtt.await(topic, "0");
        mqtt.publish(topic + "/set", "42.5", false);
        mqtt.awaitNext(topic, "42.5");
        mqtt.publish(topic + "/set", "ON", false);
        mqtt.awaitNext(topic, "100");
        mqtt.publish(topic + "/set", "OFF", false);
        mqtt.awaitNext(topic, "0");
    }

    @Test
    void badConfigurationsAreRefusedAndTheOtherPinsKeepWorking() throws Exception {
        pin("door5", "mode", "input", "pin", "17");
        mqtt.await(INPUT + "door5", "OFF");
        pin("far", "mode", "input", "pin", "40");
        pin("blink", "mode", "blink", "pin", "5");
        pin("twin", "mode", "input", "pin", "17");
        pin("nopin", "mode", "output");
        awaitLog("Refused GPIO pin configuration PID io.pigeon.gpio.pin~far: pin = '40': use a BCM GPIO number"
                + " from 0 to 27");
        awaitLog("Refused GPIO pin configuration PID io.pigeon.gpio.pin~blink: mode = 'blink': use input, output"
                + " or pwm");
        awaitLog("Refused GPIO pin configuration PID io.pigeon.gpio.pin~twin: BCM 17 is already used by door5");
        awaitLog("Refused GPIO pin configuration PID io.pigeon.gpio.pin~nopin: pin is missing");

        pin("ok", "mode", "output", "pin", "5");
        mqtt.await(OUTPUT + "ok", "OFF");
        mqtt.publish(INPUT + "door5/simulate", "ON", false);
        mqtt.awaitNext(INPUT + "door5", "ON");
        for (String refused : new String[] {INPUT + "far", OUTPUT + "blink", INPUT + "twin", OUTPUT + "nopin"}) {
            assertEquals(List.of(), mqtt.on(refused, 0), refused);
        }
    }

    @Test
    void discoveryAnnouncesRepeatsForHomeAssistantAndRemovesDeletedPins() throws Exception {
        Configuration door = pin("door6", "mode", "input", "pin", "17", "device.class", "door");
        String configTopic = "homeassistant/binary_sensor/" + GW + "/door6/config";
        SocketMqttClient.Received announced = mqtt.await(configTopic,
                r -> r.topic().equals(configTopic) && !r.payload().isEmpty());
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(announced.payload());
        assertEquals("door6", json.get("name"));
        assertEquals("pigeon_" + GW + "_door6", json.get("unique_id"));
        assertEquals(INPUT + "door6", json.get("state_topic"));
        assertEquals("ON", json.get("payload_on"));
        assertEquals("OFF", json.get("payload_off"));
        assertEquals("door", json.get("device_class"));
        assertEquals("pigeon/" + GW + "/status", json.get("availability_topic"));
        assertEquals("online", json.get("payload_available"));
        assertEquals("offline", json.get("payload_not_available"));
        @SuppressWarnings("unchecked")
        Map<String, Object> device = (Map<String, Object>) json.get("device");
        assertEquals(List.of("pigeon_" + GW), device.get("identifiers"));
        assertNotNull(device.get("name"));

        pin("relay", "mode", "output", "pin", "27");
        String switchTopic = "homeassistant/switch/" + GW + "/relay/config";
        @SuppressWarnings("unchecked")
        Map<String, Object> relay = (Map<String, Object>) JsonReader.parse(mqtt.await(switchTopic,
                r -> r.topic().equals(switchTopic)).payload());
        assertEquals(OUTPUT + "relay/set", relay.get("command_topic"));
        assertEquals(device, relay.get("device"), "one device block for the gateway");

        int before = mqtt.count();
        mqtt.publish("homeassistant/status", "online", false);
        mqtt.await("door announced again", r -> r.topic().equals(configTopic) && !r.payload().isEmpty(), before);
        mqtt.await("relay announced again", r -> r.topic().equals(switchTopic) && !r.payload().isEmpty(), before);

        created.remove(door); // before delete(): a deleted Configuration throws from equals()
        door.delete();
        mqtt.await("door removed", r -> r.topic().equals(configTopic) && r.payload().isEmpty());
        try (SocketMqttClient late = new SocketMqttClient(port, "late")) {
            late.subscribe("homeassistant/#");
            late.subscribe("pigeon/#");
            late.await(switchTopic, r -> r.topic().equals(switchTopic));
            assertEquals(List.of(), late.on(configTopic, 300), "no retained discovery for the removed pin");
            assertEquals(List.of(), late.on(INPUT + "door6", 0), "no retained state for the removed pin");
        }
    }

    @Test
    void updatingAConfigurationRewiresThePin() throws Exception {
        Configuration c = pin("door7", "mode", "input", "pin", "17");
        mqtt.await(INPUT + "door7", "OFF");
        c.update(props("mode", "output", "pin", "22", "initial", "ON"));
        mqtt.await(OUTPUT + "door7", "ON");
        mqtt.await("the old discovery entry removed", r -> r.topic().equals("homeassistant/binary_sensor/" + GW
                + "/door7/config") && r.payload().isEmpty());
        mqtt.publish(OUTPUT + "door7/set", "OFF", false);
        mqtt.awaitNext(OUTPUT + "door7", "OFF");
        // BCM 17 was released by the update
        pin("porch", "mode", "input", "pin", "17");
        mqtt.await(INPUT + "porch", "OFF");
    }

    @Test
    void aSensorPublishesReportsFailuresOnErrorAndRecovers(@TempDir Path w1) throws Exception {
        Path device = w1.resolve("28-0316a2790ff1");
        Files.createDirectories(device);
        Path slave = device.resolve("w1_slave");
        Files.writeString(slave, "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n");
        factory("io.pigeon.gpio.sensor", "outside", "type", "ds18b20", "device", device.toString(), "interval", "1");
        String topic = "pigeon/" + GW + "/sensor/outside";
        mqtt.await(topic, "23.1");

        Files.writeString(slave, "72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n");
        SocketMqttClient.Received error = mqtt.await(topic + "/error", r -> r.topic().equals(topic + "/error")
                && r.payload().contains("CRC check failed"));
        assertTrue(error.payload().contains("28-0316a2790ff1"), error.payload());
        awaitLog("Sensor outside");

        Files.writeString(slave, "50 ff 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 ff 4b 46 7f ff 0c 10 1c t=-10500\n");
        mqtt.await(topic, "-10.5");
        mqtt.await("the error cleared", r -> r.topic().equals(topic + "/error") && r.payload().isEmpty());
    }

    @Test
    void aSensorThatIsNotThereIsRefused(@TempDir Path w1) throws Exception {
        factory("io.pigeon.gpio.sensor", "ghost", "type", "ds18b20", "device", w1.resolve("28-none").toString());
        factory("io.pigeon.gpio.sensor", "weather", "type", "bme280", "bus", "1", "address", "0x76");
        awaitLog("Refused sensor configuration PID io.pigeon.gpio.sensor~ghost: no DS18B20 at");
        awaitLog("Refused sensor configuration PID io.pigeon.gpio.sensor~weather:");
        assertEquals(List.of(), mqtt.on("pigeon/" + GW + "/sensor/ghost", 300));
    }

    @Test
    void availabilityAndTheBuiltInCpuTemperature() throws Exception {
        SocketMqttClient.Received status = mqtt.await("pigeon/" + GW + "/status", "online");
        assertTrue(status.retain(), "availability is retained");
        SocketMqttClient.Received cpu = mqtt.await("a CPU temperature", r -> r.topic().equals("pigeon/" + GW
                + "/sensor/cpu"));
        double celsius = Double.parseDouble(cpu.payload());
        assertTrue(celsius > -40 && celsius < 125, cpu.payload());
        mqtt.await("the CPU sensor's discovery", r -> r.topic().equals("homeassistant/sensor/" + GW
                + "/cpu/config") && r.payload().contains("\"device_class\":\"temperature\""));
    }

    @Test
    void afterABrokerRestartAvailabilityStatesAndDiscoveryAreBack() throws Exception {
        pin("door9", "mode", "input", "pin", "16");
        mqtt.await(INPUT + "door9", "OFF");
        Bundle broker = brokerBundle();
        broker.stop(); // the broker keeps retained messages in memory: they are gone with it
        broker.start();
        Integer opened = listenerPort(SocketMqttClient.TIMEOUT_MS);
        assertNotNull(opened, "the broker opened the test listener again");
        port = opened;
        try (SocketMqttClient late = new SocketMqttClient(port, "after-restart")) {
            late.subscribe("pigeon/#");
            late.subscribe("homeassistant/#");
            assertTrue(late.await(INPUT + "door9", "OFF").retain());
            assertTrue(late.await("pigeon/" + GW + "/status", "online").retain());
            late.await("the discovery message", r -> r.topic().equals("homeassistant/binary_sensor/" + GW
                    + "/door9/config") && r.retain());
            late.await("the CPU temperature", r -> r.topic().equals("pigeon/" + GW + "/sensor/cpu") && r.retain());
        }
        mqtt.close();
        mqtt = new SocketMqttClient(port, "gpio-test"); // for the clean-up
    }

    private static void awaitLog(String text) throws InterruptedException {
        long end = System.currentTimeMillis() + SocketMqttClient.TIMEOUT_MS;
        while (log.stream().noneMatch(l -> l.contains(text))) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("no log line contains '" + text + "'; the bridge logged " + log);
            }
            Thread.sleep(20);
        }
    }

    /** The port of the test listener once the broker has it open, or null after {@code ms}. */
    private static Integer listenerPort(long ms) throws Exception {
        ServiceTracker<Broker, Broker> brokers = new ServiceTracker<>(context, Broker.class, null);
        brokers.open();
        try {
            long end = System.currentTimeMillis() + ms;
            while (System.currentTimeMillis() < end) {
                ServiceReference<Broker> ref = brokers.getServiceReference();
                if (ref != null && ref.getProperty(Broker.LISTENERS_PROPERTY) instanceof String[] uris) {
                    for (String u : uris) {
                        if (u.startsWith("mqtt://127.0.0.1:")) {
                            return Integer.parseInt(u.substring(u.lastIndexOf(':') + 1));
                        }
                    }
                }
                Thread.sleep(20);
            }
            return null;
        } finally {
            brokers.close();
        }
    }

    /** The broker's implementation bundle, to restart the broker (Broker.class is io.pigeon.broker.api's). */
    private static Bundle brokerBundle() {
        for (Bundle b : context.getBundles()) {
            if ("io.pigeon.broker".equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("io.pigeon.broker is not installed");
    }

    private static <T> T service(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        T s = tracker.waitForService(SocketMqttClient.TIMEOUT_MS);
        assertNotNull(s, type.getSimpleName() + " registered");
        return s;
    }

    private static Dictionary<String, Object> props(Object... keyValues) {
        Dictionary<String, Object> d = new Hashtable<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            d.put((String) keyValues[i], keyValues[i + 1]);
        }
        return d;
    }
}
