package io.pigeon.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.pigeon.broker.Broker;

/**
 * The gateway and traffic routes over real HTTP, with a real MQTT client on a real listener and a real bridge: the
 * figures count the client, the client list shows it with its subscription, the traffic view ranks the client and
 * topic that flood first, the disconnect route ends its connection with DISCONNECT 0x98, the log shows the console's
 * line about it, and the bridge list shows a bridge with its upstream. Run as one step of {@link ConsoleOsgiTest}
 * (it needs that test's logged-in session).
 */
final class GatewayRoutesCheck {

    private final ConsoleClient c;
    private final Broker broker;
    private final ConfigurationAdmin cm;
    private final LoggerFactory logs;

    GatewayRoutesCheck(ConsoleClient c, Broker broker, ConfigurationAdmin cm, LoggerFactory logs) {
        this.c = c;
        this.broker = broker;
        this.cm = cm;
        this.logs = logs;
    }

    void run() throws Exception {
        Configuration listener = cm.createFactoryConfiguration("io.pigeon.listener", "?");
        Configuration bridge = null;
        try {
            Dictionary<String, Object> lp = new Hashtable<>();
            lp.put("port", 0);
            lp.put("bind.address", "127.0.0.1");
            listener.update(lp);
            int port = awaitListenerPort();
            long connectedBefore = stats().get("clientsConnected").getAsLong();

            try (Socket quiet = connect(port, "quiet-one"); Socket flood = connect(port, "flooder")) {
                subscribe(quiet, "alerts/#");
                assertEquals(connectedBefore + 2, stats().get("clientsConnected").getAsLong());
                JsonObject q = awaitClient("quiet-one", cl -> cl.get("subscriptions").getAsJsonArray().size() == 1);
                JsonObject sub = q.get("subscriptions").getAsJsonArray().get(0).getAsJsonObject();
                assertEquals("alerts/#", sub.get("topicFilter").getAsString());
                assertEquals(1, sub.get("qos").getAsInt());
                assertEquals(5, q.get("protocolLevel").getAsInt());
                assertTrue(q.get("connected").getAsBoolean());
                assertEquals("127.0.0.1:" + quiet.getLocalPort(), q.get("remoteAddress").getAsString());

                checkTraffic(quiet, flood);

                HttpResponse<String> r = c.post("/api/gateway/disconnect", "{\"clientId\":\"flooder\"}");
                assertEquals(200, r.statusCode(), r.body());
                DataInputStream in = new DataInputStream(flood.getInputStream());
                int type = in.readUnsignedByte();
                while (type != 0xE0) { // skip anything the broker still had on its way
                    in.readFully(new byte[readLength(in)]);
                    type = in.readUnsignedByte();
                }
                readLength(in);
                assertEquals(0x98, in.readUnsignedByte(), "DISCONNECT reason code administrative action");
                assertEquals(404, c.post("/api/gateway/disconnect", "{\"clientId\":\"flooder\"}").statusCode());
                assertEquals(400, c.post("/api/gateway/disconnect", "{}").statusCode());
            }
            checkLog();

            bridge = cm.getFactoryConfiguration("io.pigeon.bridge", "console-check", "?");
            Dictionary<String, Object> bp = new Hashtable<>();
            bp.put("name", "console-check");
            bp.put("address", new String[] {"127.0.0.1:" + port});
            bp.put("topic", new String[] {"nothing/# out 0"});
            bp.put("config.source", "etc/pigeon.conf:1");
            bridge.update(bp);
            JsonObject row = awaitBridge("console-check", b -> b.get("connected").getAsBoolean());
            assertEquals("mqtt://127.0.0.1:" + port, row.get("upstream").getAsJsonArray().get(0).getAsString());
            assertEquals(0, row.get("queuedBytes").getAsLong());
        } finally {
            if (bridge != null) {
                bridge.delete();
            }
            listener.delete();
        }
    }

    private void checkTraffic(Socket quiet, Socket flood) throws Exception {
        assertEquals(200, c.get("/api/traffic").statusCode(), "the first call starts the counting");
        assertEquals(400, c.get("/api/traffic?prefix=a/%23").statusCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int rounds = 0;
        while (true) {
            // 100 messages a round from the flooder, 1 from the quiet one, at most 300 rounds
            for (int i = 0; i < 100; i++) {
                publish(flood, "plant/line" + (i % 3) + "/vibration", "0123456789");
            }
            publish(quiet, "alerts/door", "open");
            rounds++;
            JsonObject top = ConsoleClient.json(c.get("/api/traffic"));
            JsonArray topics = top.getAsJsonArray("topics");
            JsonArray clients = top.getAsJsonArray("clients");
            if (topics.size() >= 2 && clients.size() >= 2
                    && name(topics, 0).equals("plant") && name(clients, 0).equals("flooder")) {
                JsonObject plant = topics.get(0).getAsJsonObject();
                assertTrue(plant.get("hasChildren").getAsBoolean());
                assertTrue(plant.get("messagesPerSecond").getAsDouble() > rate(topics, "alerts"), top.toString());
                JsonObject drill = ConsoleClient.json(c.get("/api/traffic?prefix=plant"));
                JsonArray below = drill.getAsJsonArray("topics");
                assertEquals(3, below.size(), drill.toString());
                assertTrue(name(below, 0).startsWith("plant/line"), drill.toString());
                return;
            }
            if (rounds >= 300 || System.nanoTime() > deadline) {
                fail("the traffic view did not rank the flooder first after " + rounds + " rounds: " + top);
            }
            Thread.sleep(100);
        }
    }

    private static String name(JsonArray rows, int i) {
        return rows.get(i).getAsJsonObject().get("name").getAsString();
    }

    private static double rate(JsonArray rows, String name) {
        for (JsonElement e : rows) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject().get("messagesPerSecond").getAsDouble();
            }
        }
        return 0;
    }

    private JsonObject stats() {
        HttpResponse<String> r = c.get("/api/gateway/stats");
        assertEquals(200, r.statusCode(), r.body());
        JsonObject s = ConsoleClient.json(r);
        assertTrue(s.get("heapUsed").getAsLong() > 0 && s.get("uptimeSeconds").getAsLong() >= 0, s.toString());
        return s;
    }

    private int awaitListenerPort() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (String uri : broker.listeners()) {
                if (uri.startsWith("mqtt://127.0.0.1:")) {
                    return Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no listener on 127.0.0.1: " + broker.listeners());
    }

    private JsonObject awaitClient(String clientId, Predicate<JsonObject> ready) throws InterruptedException {
        return awaitRow("/api/gateway/clients", "clients", "clientId", clientId, ready);
    }

    private JsonObject awaitBridge(String name, Predicate<JsonObject> ready) throws InterruptedException {
        return awaitRow("/api/gateway/bridges", "bridges", "name", name, ready);
    }

    private JsonObject awaitRow(String path, String array, String key, String value, Predicate<JsonObject> ready)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = c.get(path);
            assertEquals(200, r.statusCode(), r.body());
            last = r.body();
            for (JsonElement e : ConsoleClient.json(r).getAsJsonArray(array)) {
                JsonObject o = e.getAsJsonObject();
                if (o.get(key).getAsString().equals(value) && ready.test(o)) {
                    return o;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(value + " not shown by " + path + " within 20 s: " + last);
    }

    /** The ring holds lines from the gateway start (the Log Service history) and then every new line. */
    private void checkLog() throws InterruptedException {
        JsonObject start = ConsoleClient.json(c.get("/api/gateway/log?level=WARN&limit=2000"));
        assertTrue(start.toString().contains("created user 'admin'"), "the first start's line: " + start);
        long next = start.get("next").getAsLong();
        String marker = "gateway page check " + System.nanoTime();
        logs.getLogger("io.pigeon.console.tests").warn(marker);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "";
        while (true) {
            HttpResponse<String> r = c.get("/api/gateway/log?level=WARN&after=" + next);
            assertEquals(200, r.statusCode(), r.body());
            last = r.body();
            JsonArray lines = ConsoleClient.json(r).getAsJsonArray("lines");
            if (last.contains(marker)) {
                for (JsonElement e : lines) {
                    assertTrue(e.getAsJsonObject().get("seq").getAsLong() > next, "only new lines: " + last);
                }
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("the new WARN line did not show within 20 s: " + last);
            }
            Thread.sleep(100);
        }
        String errorsOnly = c.get("/api/gateway/log?level=ERROR&limit=2000").body();
        assertTrue(!errorsOnly.contains(marker), "the level filter leaves the WARN line out");
        assertEquals(400, c.get("/api/gateway/log?level=LOUD").statusCode());
        assertEquals(400, c.get("/api/gateway/log?after=-1").statusCode());
    }

    // ---- a raw MQTT 5 client: CONNECT, SUBSCRIBE, QoS 0 PUBLISH ----

    private static Socket connect(int port, String clientId) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(5);
        body.write(0x02);
        body.write(0);
        body.write(60);
        body.write(0);
        string(body, clientId);
        send(s, 0x10, body.toByteArray());
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertEquals(0x20, in.readUnsignedByte(), "CONNACK");
        byte[] connack = new byte[readLength(in)];
        in.readFully(connack);
        assertEquals(0, connack[1], "CONNACK reason code");
        return s;
    }

    private static void subscribe(Socket s, String filter) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        body.write(0);
        string(body, filter);
        body.write(1);
        send(s, 0x82, body.toByteArray());
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertEquals(0x90, in.readUnsignedByte(), "SUBACK");
        in.readFully(new byte[readLength(in)]);
    }

    private static void publish(Socket s, String topic, String payload) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        body.write(0);
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        send(s, 0x30, body.toByteArray());
    }

    private static void send(Socket s, int type, byte[] body) throws IOException {
        OutputStream out = s.getOutputStream();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(type);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body);
        out.write(packet.toByteArray());
        out.flush();
    }

    private static int readLength(DataInputStream in) throws IOException {
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return length;
    }

    private static void string(ByteArrayOutputStream out, String v) {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length);
        out.writeBytes(b);
    }
}
