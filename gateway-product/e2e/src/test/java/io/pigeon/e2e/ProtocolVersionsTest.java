package io.pigeon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every client family at every protocol version it speaks, at QoS 0, 1 and 2. */
@WithBroker
class ProtocolVersionsTest {

    @ParameterizedTest(name = "mosquitto_pub/sub -V {0} -q {1}")
    @CsvSource({ "31,0", "31,1", "31,2", "311,0", "311,1", "311,2", "5,0", "5,1", "5,2" })
    void mosquittoClients(String version, int qos, Broker b) {
        String topic = "e2e/versions/mosquitto/" + version + "/" + qos;
        try (Proc sub = Tools.sub(b, "-V", version, "-q", "2", "-t", topic, "-C", "1", "-W", "10", "-F", Tools.FORMAT)) {
            Tools.pub(b, "-V", version, "-q", String.valueOf(qos), "-t", topic, "-m", "hello " + version);
            sub.await(Duration.ofSeconds(12)).assertExit(0);
            assertEquals(List.of("MSG|" + topic + "|" + qos + "|0|hello " + version), Tools.messages(sub));
        }
    }

    @ParameterizedTest(name = "paho-mqtt 1.6 protocol {0} qos {1}")
    @CsvSource({ "31,1", "311,0", "311,1", "311,2", "5,0", "5,1", "5,2" })
    void pythonPaho(String protocol, int qos, Broker b) {
        String topic = "e2e/versions/python/" + protocol + "/" + qos;
        try (Proc sub = Tools.startPython(b, "client.py", "sub", "--protocol", protocol, "--qos", "2", "--topic", topic)) {
            sub.awaitLine(java.util.regex.Pattern.compile("^SUBACK \\[2\\]"), Duration.ofSeconds(10));
            Tools.runPython(b, "client.py", "pub", "--protocol", protocol, "--qos", String.valueOf(qos), "--topic", topic,
                    "--message", "py " + protocol).assertExit(0);
            Proc.Result r = sub.await(Duration.ofSeconds(12)).assertExit(0);
            assertTrue(r.output().contains("MSG {\"topic\": \"" + topic + "\", \"payload\": \"py " + protocol
                    + "\", \"qos\": " + qos + ", \"retain\": false}"), r.output());
        }
    }

    @ParameterizedTest(name = "MQTT.js 5 protocolVersion {0}")
    @ValueSource(ints = { 4, 5 })
    void mqttJs(int protocolVersion, Broker b) {
        Proc.Result r = Tools.runNode(b, "roundtrip.mjs", String.valueOf(protocolVersion)).assertExit(0);
        assertTrue(r.output().contains("OK protocolVersion=" + protocolVersion), r.output());
    }

    @ParameterizedTest(name = "Paho Java v3, MQTT version {0}")
    @ValueSource(ints = { MqttConnectOptions.MQTT_VERSION_3_1, MqttConnectOptions.MQTT_VERSION_3_1_1 })
    void pahoJavaV3(int mqttVersion, Broker b) throws Exception {
        String topic = "e2e/versions/java3/" + mqttVersion;
        try (Paho.V3 sub = new Paho.V3(b, "j3-sub-" + mqttVersion, mqttVersion, true);
                Paho.V3 pub = new Paho.V3(b, "j3-pub-" + mqttVersion, mqttVersion, true)) {
            sub.client.subscribe(topic + "/#", 2);
            for (int qos = 0; qos <= 2; qos++) {
                pub.publish(topic + "/" + qos, "java v3 " + qos, qos, false);
            }
            List<Paho.Received> got = sub.take(3, Duration.ofSeconds(10));
            assertEquals(3, got.size(), "received " + got);
            for (int qos = 0; qos <= 2; qos++) {
                int q = qos;
                Paho.Received r = got.stream().filter(m -> m.topic().equals(topic + "/" + q)).findFirst()
                        .orElseThrow(() -> new AssertionError("nothing at QoS " + q + ": " + got));
                assertEquals("java v3 " + q, r.payload());
                assertEquals(q, r.qos());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void pahoJavaV5(Broker b) throws Exception {
        String topic = "e2e/versions/java5";
        try (Paho.V5 sub = new Paho.V5(b, "j5-sub"); Paho.V5 pub = new Paho.V5(b, "j5-pub")) {
            sub.subscribe(new MqttSubscription(topic + "/#", 2));
            for (int qos = 0; qos <= 2; qos++) {
                pub.publish(topic + "/" + qos, "java v5 " + qos, qos, false);
            }
            List<Paho.Received> got = sub.take(3, Duration.ofSeconds(10));
            assertEquals(3, got.size(), "received " + got);
            for (Paho.Received r : got) {
                int q = Integer.parseInt(r.topic().substring(r.topic().lastIndexOf('/') + 1));
                assertEquals("java v5 " + q, r.payload());
                assertEquals(q, r.qos());
            }
        }
    }
}
