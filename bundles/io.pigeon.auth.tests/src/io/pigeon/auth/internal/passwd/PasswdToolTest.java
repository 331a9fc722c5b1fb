package io.pigeon.auth.internal.passwd;

import static io.pigeon.auth.internal.passwd.PasswordFileTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.auth.internal.FileFormatException;

class PasswdToolTest {

    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final Deque<String> typed = new ArrayDeque<>();
    final List<String> prompts = new java.util.ArrayList<>();

    private int run(String... args) {
        return tool(true).run(args);
    }

    private PasswdTool tool(boolean console) {
        PasswdTool.PasswordPrompt prompt = p -> {
            prompts.add(p);
            String next = typed.poll();
            return next == null ? null : next.toCharArray();
        };
        return new PasswdTool(console ? prompt : null, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new SecureRandom());
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private PasswordFile read(Path file) throws IOException, FileFormatException {
        return PasswordFile.read(file, file.toString());
    }

    @Test
    void createsUpdatesAndDeletesInBatchMode() throws Exception {
        Path file = dir.resolve("passwd");
        assertEquals(0, run("-c", "-b", file.toString(), "alice", "secret"));
        assertTrue(read(file).verify("alice", bytes("secret")));

        assertEquals(0, run("-b", file.toString(), "bob", "hunter2"));
        assertEquals(0, run("-b", file.toString(), "alice", "changed"));
        PasswordFile both = read(file);
        assertEquals(List.of("alice", "bob"), List.copyOf(both.users()));
        assertTrue(both.verify("alice", bytes("changed")));
        assertTrue(both.verify("bob", bytes("hunter2")));

        assertEquals(0, run("-D", file.toString(), "alice"));
        assertEquals(List.of("bob"), List.copyOf(read(file).users()));
        assertEquals(1, run("-D", file.toString(), "alice"));
        assertTrue(err().contains("Warning: User alice not found in password file."), err());

        assertEquals(0, run("-c", "-b", file.toString(), "carol", "c"));
        assertEquals(List.of("carol"), List.copyOf(read(file).users()), "-c overwrites");
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void updatesAMosquittoPasswdFileKeepingItsLines() throws Exception {
        Path file = Fixtures.copy(Fixtures.MOSQUITTO_PASSWD, dir);
        List<String> before = Files.readAllLines(file);
        assertEquals(0, run("-b", file.toString(), "dave", "d"));
        List<String> after = Files.readAllLines(file);
        assertEquals(before, after.subList(0, 3));
        PasswordFile read = read(file);
        assertTrue(read.verify("bob", bytes("hunter2")), "the $6$ entry is kept as it was");
        assertTrue(read.verify("dave", bytes("d")));
    }

    @Test
    void promptsTwiceWithoutBatchMode() throws Exception {
        Path file = dir.resolve("passwd");
        typed.addAll(Arrays.asList("s3cret", "s3cret"));
        assertEquals(0, run("-c", file.toString(), "alice"));
        assertEquals(List.of("Password: ", "Reenter password: "), prompts);
        assertTrue(read(file).verify("alice", bytes("s3cret")));

        typed.addAll(Arrays.asList("one", "two"));
        assertEquals(2, run(file.toString(), "alice"), "mismatch exits 2 like mosquitto_passwd");
        assertTrue(err().contains("Error: Passwords do not match."), err());
        assertTrue(read(file).verify("alice", bytes("s3cret")), "the file is unchanged");

        typed.add("");
        assertEquals(1, run(file.toString(), "alice"));
        assertTrue(err().contains("Error: Empty password."), err());

        assertEquals(1, run(file.toString(), "alice"), "end of input");
    }

    @Test
    void withoutAConsoleAsksForBatchMode() {
        assertEquals(1, tool(false).run("-c", dir.resolve("passwd").toString(), "alice"));
        assertTrue(err().contains("-b"), err());
        assertFalse(Files.exists(dir.resolve("passwd")));
    }

    @Test
    void refusesBadUsageWithExitCode1() throws Exception {
        String file = dir.resolve("passwd").toString();
        assertEquals(1, run());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage: pigeon passwd"));
        assertEquals(1, run("-c", "-D", file, "alice"));
        assertEquals(1, run("-b", "-D", file, "alice"));
        assertEquals(1, run("-c", "-b", file, "alice"));
        assertEquals(1, run("-x", file, "alice"));
        assertEquals(1, run("-U", file));
        assertEquals(1, run("-c", "-b", file, "al:ice", "pw"));
        assertTrue(err().contains("Error: The user name must not contain the ':' character."), err());
        assertEquals(1, run("-b", file, "alice", "pw"), "no file and no -c");
        assertTrue(err().contains("Use -c to create it."), err());
        assertFalse(Files.exists(Path.of(file)));
    }

    @Test
    void refusesToRewriteABadFile() throws Exception {
        Path file = dir.resolve("passwd");
        Files.writeString(file, "alice:plain\n");
        assertEquals(1, run("-b", file.toString(), "bob", "pw"));
        assertTrue(err().contains(file + ":1: user alice: the password is not hashed"), err());
        assertEquals("alice:plain\n", Files.readString(file));
    }

    /** The launcher runs the tool with a plain class path: nothing it loads may refer to OSGi. */
    @Test
    void toolClassesDoNotNeedOsgi() throws Exception {
        for (Class<?> type : List.of(PasswdTool.class, PasswdTool.PasswordPrompt.class, PasswordFile.class,
                PasswordHash.class, PasswordHash.Type.class, FileFormatException.class)) {
            String resource = "/" + type.getName().replace('.', '/') + ".class";
            try (InputStream in = type.getResourceAsStream(resource)) {
                String classFile = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertFalse(classFile.contains("org/osgi"), type + " refers to an OSGi type");
            }
        }
    }
}
