package io.pigeon.bridge.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk queue with a real MVStore file: order, restart, bound, and a broken file. */
class ForwardQueueTest {

    @TempDir
    Path dir;
    final LogCapture log = new LogCapture();

    private static byte[] entry(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> contents(ForwardQueue q) {
        List<String> out = new ArrayList<>();
        for (Long k = q.next(0); k != null; k = q.next(k)) {
            out.add(new String(q.get(k), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void messagesSurviveARestartInOrder() throws IOException {
        Path file = dir.resolve("bridges/cloud.mv.db");
        try (ForwardQueue q = ForwardQueue.open(file, 1 << 20, "cloud", log.logger)) {
            for (int i = 0; i < 100; i++) {
                q.append(entry("m" + i));
            }
            q.remove(q.next(0));
            q.commit();
        }
        try (ForwardQueue q = ForwardQueue.open(file, 1 << 20, "cloud", log.logger)) {
            List<String> left = contents(q);
            assertEquals(99, left.size());
            assertEquals("m1", left.get(0));
            assertEquals("m99", left.get(98));
            assertEquals(99 * 2 + 90, q.bytes(), "sizes are counted again from the file");
            q.append(entry("after"));
            assertEquals("after", contents(q).get(99), "new keys come after the old ones");
        }
        assertEquals(List.of(), log.lines());
    }

    @Test
    void theOldestGiveWayWhenTheBoundIsReached() throws IOException {
        try (ForwardQueue q = ForwardQueue.open(dir.resolve("q.mv.db"), 10, "cloud", log.logger)) {
            assertTrue(q.append(entry("aaaa")));
            assertTrue(q.append(entry("bbbb")));
            assertTrue(q.append(entry("cccc")));
            assertEquals(List.of("bbbb", "cccc"), contents(q));
            assertEquals(1, q.takeDropped());
            assertFalse(q.append(entry("a message larger than the bound")));
            assertEquals(List.of("bbbb", "cccc"), contents(q), "a message over the bound alone evicts nothing");
            assertEquals(1, q.takeDropped());
            assertEquals(0, q.takeDropped());
            assertEquals(8, q.bytes());
        }
    }

    @Test
    void aBrokenFileIsMovedAsideAndReported() throws IOException {
        Path file = dir.resolve("broken.mv.db");
        Files.write(file, new byte[8192]);
        Files.writeString(file, "this is not an MVStore file");
        try (ForwardQueue q = ForwardQueue.open(file, 1 << 20, "cloud", log.logger)) {
            assertEquals(0, q.size());
            q.append(entry("x"));
            assertArrayEquals(entry("x"), q.get(q.next(0)));
        }
        String line = log.find("cannot be read");
        assertTrue(line.startsWith("ERROR Bridge cloud: the queue file " + file), line);
        assertTrue(line.contains("moved to " + file + ".corrupt-"), line);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("broken.mv.db.corrupt-")).count());
        }
    }
}
