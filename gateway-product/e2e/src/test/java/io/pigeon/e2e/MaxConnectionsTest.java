package io.pigeon.e2e;

import static io.pigeon.e2e.RawMqttClient.CONNACK;
import static io.pigeon.e2e.RawMqttClient.PINGRESP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pigeon.e2e.RawMqttClient.Packet;
import io.pigeon.e2e.Wire.Connect;

/** The listener directive max_connections: a client over the limit is refused, the others are unaffected. */
@WithBroker("max_connections 2")
class MaxConnectionsTest {

    @Test
    void clientBeyondMaxConnectionsIsRefusedAndTheOthersKeepWorking(Broker b) throws Exception {
        // The harness's readiness probe has just closed its socket; give the broker a moment to free that slot.
        Sleep.millis(300);
        // Mosquitto 2.0.11 decrements its listener's count twice when a connection closes before CONNECT, as the
        // harness's readiness probe does, so its effective limit here is one higher: fill that slot too.
        RawMqttClient compensation = null;
        if (Env.mosquittoMode()) {
            compensation = new RawMqttClient(b);
            compensation.connect(new Connect(4, "maxconn-mosquitto-extra-slot"));
        }
        // one after the other: both must be within the limit, whatever order the broker accepts sockets in
        RawMqttClient first = new RawMqttClient(b);
        first.connect(new Connect(4, "maxconn-1"));
        RawMqttClient second = new RawMqttClient(b);
        second.connect(new Connect(5, "maxconn-2"));
        try (RawMqttClient c0 = compensation; RawMqttClient c1 = first; RawMqttClient c2 = second) {
            for (int level : new int[] { 4, 5 }) {
                try (RawMqttClient extra = new RawMqttClient(b)) {
                    extra.send(new Connect(level, "maxconn-extra-" + level).bytes());
                    List<Packet> got = extra.readUntilClosed(Duration.ofSeconds(5));
                    // closing at once is what Mosquitto does; a refusing CONNACK (3.1.1: 0x03, 5: 0x97/0x9F) is fine too
                    assertTrue(got.isEmpty() || got.size() == 1 && got.get(0).type() == CONNACK
                            && got.get(0).reasonCode() != 0, "the extra client was served: " + got);
                }
            }
            for (RawMqttClient c : List.of(first, second)) {
                c.send(Wire.pingreq());
                assertEquals(PINGRESP, c.read().type(), "a client within the limit lost its connection");
            }
            second.send(Wire.disconnect(5, 0));
            second.readUntilClosed(Duration.ofSeconds(5));
            // the freed slot is available again once the broker has noticed the close
            assertTrue(Sleep.until(Duration.ofSeconds(5), () -> connects(b, "maxconn-3")),
                    "no new client could connect after one of two left");
            first.send(Wire.pingreq());
            assertEquals(PINGRESP, first.read().type());
        }
    }

    private static boolean connects(Broker b, String id) {
        try (RawMqttClient c = new RawMqttClient(b)) {
            c.send(new Connect(4, id).bytes());
            Packet p = c.read(Duration.ofSeconds(2));
            return p.type() == CONNACK && p.reasonCode() == 0;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }
}
