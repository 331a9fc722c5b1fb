package io.pigeon.e2e;

import static io.pigeon.e2e.RawMqttClient.CONNACK;
import static io.pigeon.e2e.RawMqttClient.PINGRESP;
import static io.pigeon.e2e.RawMqttClient.PUBACK;
import static io.pigeon.e2e.RawMqttClient.PUBLISH;
import static io.pigeon.e2e.RawMqttClient.SUBACK;
import static io.pigeon.e2e.RawWebSocketClient.BINARY;
import static io.pigeon.e2e.RawWebSocketClient.CONTINUATION;
import static io.pigeon.e2e.RawWebSocketClient.PING;
import static io.pigeon.e2e.RawWebSocketClient.PONG;
import static io.pigeon.e2e.RawWebSocketClient.TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;

/**
 * MQTT over WebSockets ({@code protocol websockets}), plain and with TLS: MQTT.js over ws:// and wss://, paho's
 * websockets transport, MQTT packets split across frames and fragmented messages from a raw WebSocket client, and
 * malformed WebSocket input that must close only its own connection. Messages cross between WebSocket and TCP
 * clients. Also runs against Mosquitto, except the Pigeon-only checks of malformed input.
 */
class WebSocketTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    static Certificates certs;
    static Broker broker;
    static int wsPort;
    static int wssPort;
    static int tcpPort;

    @BeforeAll
    static void start() {
        certs = Certificates.make();
        wssPort = Env.freePort();
        tcpPort = Env.freePort();
        broker = Broker.start(List.of(
                "protocol websockets",
                "listener " + wssPort + " " + Env.LOOPBACK,
                "protocol websockets",
                "certfile " + certs.path("server.crt"),
                "keyfile " + certs.path("server.key"),
                "listener " + tcpPort + " " + Env.LOOPBACK), List.of(), List.of(), "");
        wsPort = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    private static Proc tcpSub(String topic) {
        return Tools.sub(broker, "-p", String.valueOf(tcpPort), "-t", topic, "-q", "2", "-F", Tools.FORMAT);
    }

    @Test
    void mqttJsOverWsOnBothPaths() {
        for (String path : new String[] { "/mqtt", "/" }) {
            for (String version : new String[] { "4", "5" }) {
                Proc.Result r = Tools.runNode(wsPort, "roundtrip.mjs", version, "ws", "-", path);
                assertEquals(0, r.exitCode(), r.output());
                assertTrue(r.output().contains("OK protocolVersion=" + version + " url=ws://"), r.output());
            }
        }
    }

    @Test
    void mqttJsOverWss() {
        for (String version : new String[] { "4", "5" }) {
            Proc.Result r = Tools.runNode(wssPort, "roundtrip.mjs", version, "wss", certs.path("ca.crt"), "/mqtt");
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("OK protocolVersion=" + version + " url=wss://"), r.output());
        }
    }

    @Test
    void pahoWebsocketsTransportPlainAndTls() {
        try (Proc tcp = tcpSub("ws/paho/#");
                Proc ws = Proc.start(Tools.python(wsPort, "client.py", "sub", "--topic", "ws/paho/#", "--qos", "1",
                        "--count", "2", "--transport", "websockets"), Env.pythonDir(), Map.of())) {
            ws.awaitLine(Pattern.compile("^SUBACK \\[1\\]"), WAIT);
            Tools.pub(broker, "-p", String.valueOf(tcpPort), "-t", "ws/paho/from-tcp", "-m", "tcp to ws", "-q", "1");
            Proc.Result wss = Proc.run(Tools.RUN_TIMEOUT, Tools.python(wssPort, "client.py", "pub", "--topic",
                    "ws/paho/from-wss", "--message", "wss to all", "--qos", "1", "--transport", "websockets",
                    "--cafile", certs.path("ca.crt")), Env.pythonDir(), Map.of());
            assertEquals(0, wss.exitCode(), wss.output());
            ws.awaitLine(Pattern.compile("^MSG .*\"payload\": \"tcp to ws\""), WAIT);
            ws.awaitLine(Pattern.compile("^MSG .*\"payload\": \"wss to all\""), WAIT);
            assertTrue(Tools.awaitMessages(tcp, 2, WAIT).containsAll(List.of("MSG|ws/paho/from-tcp|1|0|tcp to ws",
                    "MSG|ws/paho/from-wss|1|0|wss to all")), tcp.output());
        }
    }

    @Test
    void packetsSplitAcrossFramesAndFragmentedMessages() throws IOException {
        try (Proc tcp = tcpSub("ws/split/#"); RawWebSocketClient ws = RawWebSocketClient.upgrade(wsPort, "/mqtt")) {
            byte[] connect = new Connect(4, "ws-split").bytes();
            // CONNECT in three messages: its first byte alone, then the rest in two
            ws.sendBinary(Arrays.copyOfRange(connect, 0, 1));
            ws.sendBinary(Arrays.copyOfRange(connect, 1, 5));
            ws.sendBinary(Arrays.copyOfRange(connect, 5, connect.length));
            Packet connack = ws.readPacket(WAIT);
            assertEquals(CONNACK, connack.type(), connack.toString());
            assertEquals(0, connack.reasonCode());

            // SUBSCRIBE and the head of a PUBLISH in one message; the PUBLISH's tail as a fragmented message
            // (a binary frame without FIN, a ping in between, then a continuation frame)
            byte[] payload = "split across frames".getBytes(StandardCharsets.UTF_8);
            byte[] subscribe = Wire.subscribe(4, 1, "ws/split/#", 1);
            byte[] publish = Wire.publish(4, 1, "ws/split/raw", 2, "split across frames");
            int cut = publish.length / 2;
            ws.sendBinary(RawMqttClient.concat(subscribe, Arrays.copyOfRange(publish, 0, 3)));
            Packet suback = ws.readPacket(WAIT);
            assertEquals(SUBACK, suback.type(), suback.toString());
            ws.sendFrame(BINARY, false, Arrays.copyOfRange(publish, 3, cut), true);
            ws.sendFrame(PING, true, "still there?".getBytes(StandardCharsets.US_ASCII), true);
            ws.sendFrame(CONTINUATION, true, Arrays.copyOfRange(publish, cut, publish.length), true);
            List<Packet> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                got.add(ws.readPacket(WAIT));
            }
            assertTrue(got.stream().anyMatch(p -> p.type() == PUBACK && p.packetId() == 2), got.toString());
            Packet own = got.stream().filter(p -> p.type() == PUBLISH).findFirst()
                    .orElseThrow(() -> new AssertionError("the message did not come back: " + got));
            assertEquals("ws/split/raw", own.topic());
            assertArrayEquals(payload, Arrays.copyOfRange(own.body(), own.body().length - payload.length,
                    own.body().length));
            assertEquals(List.of("MSG|ws/split/raw|1|0|split across frames"), Tools.awaitMessages(tcp, 1, WAIT));

            // several packets in one frame
            ws.sendBinary(RawMqttClient.concat(Wire.pingreq(), Wire.pingreq()));
            assertEquals(PINGRESP, ws.readPacket(WAIT).type());
            assertEquals(PINGRESP, ws.readPacket(WAIT).type());
        }
    }

    @Test
    @PigeonOnly("Pigeon's answers to malformed WebSocket input; libwebsockets answers differently")
    void malformedWebSocketInputClosesOnlyItsOwnConnection() throws IOException {
        try (RawWebSocketClient healthy = RawWebSocketClient.upgrade(wsPort, "/")) {
            healthy.sendBinary(new Connect(5, "ws-healthy").bytes());
            assertEquals(CONNACK, healthy.readPacket(WAIT).type());

            // not a WebSocket upgrade, another path, not HTTP at all
            try (RawWebSocketClient c = RawWebSocketClient.tcp(wsPort)) {
                String response = c.http("GET /mqtt HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 400"), response);
            }
            try (RawWebSocketClient c = RawWebSocketClient.tcp(wsPort)) {
                String response = c.http("GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade"
                        + "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 404"), response);
            }
            try (RawWebSocketClient c = RawWebSocketClient.tcp(wsPort)) {
                String response = c.http(new String(RawMqttClient.concat(new Connect(4, "mqtt-on-ws-port").bytes(),
                        "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), StandardCharsets.ISO_8859_1));
                assertTrue(response.startsWith("HTTP/1.1 400"), response);
            }

            // after a good upgrade: an unmasked frame, a reserved opcode, a frame larger than any packet, a text
            // frame, and noise
            record Bad(String what, byte[] bytes, int closeCode) {
            }
            List<Bad> bad = List.of(
                    new Bad("unmasked frame", RawWebSocketClient.frame(BINARY, true, Wire.pingreq(), false), 1002),
                    new Bad("reserved opcode 3", RawWebSocketClient.frame(0x3, true, Wire.pingreq(), true), 1002),
                    new Bad("a frame claiming 2^62 bytes", new byte[] { (byte) 0x82, (byte) 0xFF, 0x40, 0, 0, 0, 0, 0,
                            0, 0, 1, 2, 3, 4 }, 1009),
                    new Bad("text frame", RawWebSocketClient.frame(TEXT, true, "{\"mqtt\":1}".getBytes(
                            StandardCharsets.UTF_8), true), 1003),
                    new Bad("continuation without a start", RawWebSocketClient.frame(CONTINUATION, true,
                            Wire.pingreq(), true), 1002),
                    new Bad("noise", "\u0000\u00ff\u0013 not a frame at all".getBytes(StandardCharsets.ISO_8859_1),
                            -2));
            for (Bad b : bad) {
                try (RawWebSocketClient c = RawWebSocketClient.upgrade(wsPort, "/mqtt")) {
                    c.sendBinary(new Connect(4, "ws-bad").bytes());
                    assertEquals(CONNACK, c.readPacket(WAIT).type(), b.what());
                    c.sendRaw(b.bytes());
                    int code = c.awaitClose(WAIT);
                    if (b.closeCode() != -2) {
                        assertEquals(b.closeCode(), code, b.what() + ": close code");
                    }
                }
            }
            // a broken MQTT packet inside good frames is an MQTT protocol error, as over TCP
            try (RawWebSocketClient c = RawWebSocketClient.upgrade(wsPort, "/mqtt")) {
                c.sendBinary(new Connect(4, "ws-bad-mqtt").bytes());
                assertEquals(CONNACK, c.readPacket(WAIT).type());
                c.sendBinary(new byte[] { (byte) 0xF0, 0x00 });
                assertEquals(Packet.CLOSED, c.readPacket(WAIT));
            }

            healthy.sendBinary(Wire.pingreq());
            assertEquals(PINGRESP, healthy.readPacket(WAIT).type(), "the healthy WebSocket client lost its connection");
            healthy.sendFrame(PING, true, new byte[] { 1, 2 }, true);
            RawWebSocketClient.Frame pong = healthy.readFrame(WAIT);
            assertEquals(PONG, pong.opcode());
            assertArrayEquals(new byte[] { 1, 2 }, pong.payload());
        }
        broker.assertAlive();
        broker.assertNoLeak();
        assertTrue(Proc.tail(broker.output(), 400).lines().noneMatch(l -> l.contains("Exception in thread")),
                Proc.tail(broker.output(), 60));
    }
}
