package io.pigeon.bridge.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;

class QueuedMessageCodecTest {

    @Test
    void everyFieldSurvivesTheDisk() throws IOException {
        MessageProperties props = new MessageProperties(true, null, "text/plain", "reply/here", new byte[] {1, 2},
                List.of(new MessageProperties.UserProperty("k", "v"), new MessageProperties.UserProperty("k", "w")));
        Message m = new Message("a/b", new byte[] {9, 8, 7}, 2, true, props);
        Message back = QueuedMessageCodec.decode(QueuedMessageCodec.encode(m, 1000), 5000);
        assertEquals("a/b", back.topic());
        assertArrayEquals(new byte[] {9, 8, 7}, back.payload());
        assertEquals(2, back.qos());
        assertEquals(true, back.retain());
        assertEquals(Boolean.TRUE, back.properties().payloadFormatUtf8());
        assertEquals("text/plain", back.properties().contentType());
        assertEquals("reply/here", back.properties().responseTopic());
        assertArrayEquals(new byte[] {1, 2}, back.properties().correlationData());
        assertEquals(props.userProperties(), back.properties().userProperties());
        assertNull(back.properties().messageExpirySeconds());
    }

    @Test
    void timeOnDiskCountsAgainstTheMessageExpiry() throws IOException {
        Message m = new Message("a", new byte[0], 1, false,
                new MessageProperties(null, 60L, null, null, null, List.of()));
        byte[] stored = QueuedMessageCodec.encode(m, 0);
        assertEquals(20L, QueuedMessageCodec.decode(stored, 40_000).properties().messageExpirySeconds());
        assertNull(QueuedMessageCodec.decode(stored, 60_000), "expired while queued: not sent");
    }

    @Test
    void unknownFormatIsAnError() {
        byte[] stored = QueuedMessageCodec.encode(new Message("a", new byte[0], 1, false), 0);
        stored[0] = 99;
        assertThrows(IOException.class, () -> QueuedMessageCodec.decode(stored, 0));
    }
}
