package io.pigeon.broker.internal.handler;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.pigeon.broker.internal.LeakDetection;

/**
 * Packets whose fields do not fit their Remaining Length close the connection at once, with CONNACK or
 * DISCONNECT 0x81 for MQTT 5, instead of leaving the decoder waiting for bytes that never come.
 */
@ExtendWith(LeakDetection.class)
class PacketFramingTest {

    private final TestBroker broker = new TestBroker();

    @Test
    void connectWhoseProtocolNameRunsPastTheEndIsClosedSilently() {
        TestClient c = broker.client(4);
        // protocol name length 200 in a 13-byte packet
        c.sendRaw(0x10, 13, 0, 200, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'a');
        c.expectNothing();
        c.assertClosed();
    }

    @Test
    void truncatedConnectIsClosedSilently() {
        TestClient c = broker.client(4);
        c.sendRaw(0x10, 3, 0, 4, 'M');
        c.expectNothing();
        c.assertClosed();
    }

    @Test
    void v5ConnectWhosePropertiesRunPastTheEndGetsConnack0x81() {
        TestClient c = broker.client(5);
        // property length 100, but only the client id follows
        c.sendRaw(0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 5, 2, 0, 60, 100, 0, 1, 'a');
        c.expectConnack(0x81);
        c.assertClosed();
    }

    @Test
    void v5PublishWhoseTopicRunsPastTheEndGetsDisconnect0x81() {
        TestClient c = broker.connected("long-topic", 5);
        // topic length 16 in a 5-byte packet; the PINGREQ after it must not be read as its rest
        c.sendRaw(0x30, 5, 0, 16, 'a', 'b', 0, 0xC0, 0);
        c.expectDisconnect(0x81);
        assertTrue(broker.log.contains("warn", "long-topic"), broker.log.lines().toString());
    }

    @Test
    void v311SubscribeWhoseFilterRunsPastTheEndIsClosed() {
        TestClient c = broker.connected("long-filter", 4);
        c.sendRaw(0x82, 6, 0, 1, 0, 9, 'a', 0);
        c.expectNothing();
        c.assertClosed();
    }

    @Test
    void packetsSplitAcrossReadsStillWork() {
        TestClient sub = broker.connected("split-sub", 4);
        sub.subscribe(1, "s", 0);
        sub.expectSuback(0);
        TestClient c = broker.connected("split", 4);
        c.sendRaw(0x30);
        c.sendRaw(5, 0);
        c.sendRaw(1, 's', 'h');
        c.sendRaw('i', 0x30, 5, 0, 1, 's', 'y', 'o');
        sub.expectPublish("s", "hi");
        sub.expectPublish("s", "yo");
        c.assertOpen();
    }

    @Test
    void invalidUtf8TopicGetsDisconnect0x81() {
        TestClient c = broker.connected("bad-utf8", 5);
        // 0xC0 0xAF: an overlong encoding of '/'
        c.sendRaw(0x30, 10, 0, 6, 'e', '2', 'e', '/', 0xC0, 0xAF, 0, 'x');
        c.expectDisconnect(0x81);
    }

    @Test
    void v5ConnectWithReservedFlagGetsConnack0x81() {
        TestClient c = broker.client(5);
        c.sendRaw(0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x03, 0, 60, 0, 0, 1, 'a');
        c.expectConnack(0x81);
        c.assertClosed();
    }

    @Test
    void v311ConnectWithReservedFlagIsClosedSilently() {
        TestClient c = broker.client(4);
        c.sendRaw(0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x03, 0, 60, 0, 1, 'a');
        c.expectNothing();
        c.assertClosed();
    }
}
