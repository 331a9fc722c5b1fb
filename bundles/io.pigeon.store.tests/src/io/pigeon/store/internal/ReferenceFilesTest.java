package io.pigeon.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.pigeon.broker.spi.DurableStore.StoredState;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store files written by an earlier build, kept in resources/: {@code format-1.db} (layout 1, record format 1) must
 * stay readable by every later version, and {@code format-1-cut.db}, the same file cut short, must open.
 */
class ReferenceFilesTest {

    @TempDir
    Path dir;

    private final LogCapture log = new LogCapture();

    private Path copy(String name) throws IOException {
        Path file = dir.resolve("pigeon.db");
        try (InputStream in = getClass().getResourceAsStream("/resources/" + name)) {
            assertNotNull(in, "resources/" + name + " is missing from the test bundle");
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void format1FileIsReadAsWritten() throws Exception {
        MvDurableStore store = new MvDurableStore(copy("format-1.db"), log.logger());
        store.open();
        try {
            StoredState state = store.load();
            assertEquals(1, state.sessions().size());
            StoredSession s = state.sessions().get(0);
            assertEquals(new StoredSession.Record("ref-client", 4, -1, 0, 10), s.record());
            assertEquals(List.of(new StoredSubscription("ref/#", 1, false, false, 0, 0)), s.subscriptions());
            assertEquals(2, s.messages().size());
            StoredMessage queued = s.messages().get(0);
            assertEquals("queued", new String(queued.message().payload(), StandardCharsets.UTF_8));
            assertEquals(0, queued.packetId());
            StoredMessage inFlight = s.messages().get(1);
            assertEquals(7, inFlight.packetId());
            assertEquals(2, inFlight.message().qos());
            assertEquals(List.of(9), s.awaitingPubrel());
            assertEquals("ref/will", s.will().message().topic());
            assertNull(s.will().username());
            assertEquals(1, state.retained().size());
            assertEquals("text/plain", state.retained().get(0).message().properties().contentType());
            assertEquals(2000, state.retained().get(0).storedAtMillis());
        } finally {
            store.close();
        }
        assertTrue(log.lines().stream().noneMatch(l -> l.startsWith("warn") || l.startsWith("error")), log.lines()
                .toString());
    }

    @Test
    void format1FileCutShortOpensWithWhatSurvived() throws Exception {
        MvDurableStore store = new MvDurableStore(copy("format-1-cut.db"), log.logger());
        store.open();
        try {
            StoredState state = store.load();
            assertTrue(state.sessions().size() <= 1);
            store.putRetained(new io.pigeon.broker.spi.DurableStore.StoredRetained(
                    new io.pigeon.broker.Message("after", new byte[0], 0, true), 1));
            store.synced().get();
        } finally {
            store.close();
        }
    }
}
