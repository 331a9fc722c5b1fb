package io.pigeon.auth.internal.passwd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.auth.internal.FileFormatException;

class PasswordFileTest {

    private static final String ALICE_7 = "alice:$7$101$MVYXGspQThgE3LAd$qW75j1/RwL24Nb6PYBTcCTw47IYTJOBJeY6O1fVhBzeGeWwX"
            + "1dxaRlBc7XBilQ8l8R1i8hfbLhFohtZVlM/ZVw==";

    @TempDir
    Path dir;

    @Test
    void readsWhatMosquittoPasswdWrote() throws Exception {
        PasswordFile file = PasswordFile.read(Fixtures.copy(Fixtures.MOSQUITTO_PASSWD, dir), "passwd");
        assertEquals(List.of("alice", "bob", "carol"), List.copyOf(file.users()));
        assertEquals(PasswordHash.Type.PBKDF2_SHA512, file.hash("alice").type());
        assertEquals(101, file.hash("alice").iterations());
        assertEquals(PasswordHash.Type.SHA512, file.hash("bob").type());

        assertTrue(file.verify("alice", bytes("secret")), "$7$ right password");
        assertFalse(file.verify("alice", bytes("Secret")), "$7$ wrong password");
        assertFalse(file.verify("alice", bytes("")), "$7$ empty password");
        assertTrue(file.verify("bob", bytes("hunter2")), "$6$ right password");
        assertFalse(file.verify("bob", bytes("hunter3")), "$6$ wrong password");
        assertTrue(file.verify("carol", bytes("pässwörd €")), "UTF-8 password bytes as mosquitto_passwd hashed them");
        assertFalse(file.verify("carol", bytes("passwörd €")));
        assertFalse(file.verify("dave", bytes("secret")), "unknown user");
        assertFalse(file.verify(null, bytes("secret")));
    }

    @Test
    void aPasswordWithNulNeverMatches() throws Exception {
        PasswordFile file = PasswordFile.parse(ALICE_7 + "\n", "passwd");
        assertFalse(file.verify("alice", bytes("secret\0")), "Mosquitto would cut at the NUL; Pigeon refuses");
        assertFalse(file.verify("alice", bytes("secret\0x")));
    }

    @Test
    void writtenFilesReadBackAndKeepOtherLines() throws Exception {
        PasswordFile original = PasswordFile.parse("# gateway users\n" + ALICE_7 + "\n\n", "passwd");
        SecureRandom random = new SecureRandom();
        PasswordFile updated = original
                .withUser("bob", PasswordHash.create(bytes("b0b €"), PasswordHash.DEFAULT_ITERATIONS, random))
                .withUser("empty", PasswordHash.create(new byte[0], PasswordHash.DEFAULT_ITERATIONS, random));
        Path file = dir.resolve("passwd");
        updated.write(file);

        List<String> lines = Files.readAllLines(file, UTF_8);
        assertEquals("# gateway users", lines.get(0));
        assertEquals(ALICE_7, lines.get(1), "untouched users keep their line byte for byte");
        assertTrue(lines.get(3).matches("bob:\\$7\\$101\\$[A-Za-z0-9+/]{16}\\$[A-Za-z0-9+/]{86}=="), lines.get(3));

        PasswordFile read = PasswordFile.read(file, "passwd");
        assertTrue(read.verify("alice", bytes("secret")));
        assertTrue(read.verify("bob", bytes("b0b €")));
        assertTrue(read.verify("empty", new byte[0]), "an empty password works like mosquitto_passwd -b F U ''");
        assertFalse(read.verify("bob", bytes("b0b")));

        PasswordFile changed = read.withUser("alice",
                PasswordHash.create(bytes("new"), PasswordHash.DEFAULT_ITERATIONS, random)).withoutUser("bob");
        changed.write(file);
        PasswordFile again = PasswordFile.read(file, "passwd");
        assertEquals(List.of("alice", "empty"), List.copyOf(again.users()));
        assertTrue(again.verify("alice", bytes("new")));
        assertFalse(again.verify("alice", bytes("secret")));
        assertTrue(Files.readAllLines(file, UTF_8).get(1).startsWith("alice:$7$101$"), "alice stays on her line");
    }

    @Test
    void writesOwnerOnlyFiles() throws Exception {
        Path file = dir.resolve("passwd");
        Files.writeString(file, ALICE_7 + "\n");
        if (!Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            return;
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        PasswordFile.read(file, "passwd").write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary file is left behind");
        }
    }

    @Test
    void sha512HashIsOneRoundOfPasswordThenSalt() throws Exception {
        PasswordHash hash = PasswordHash.createSha512(bytes("hunter2"), new SecureRandom());
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-512");
        sha.update(bytes("hunter2"));
        sha.update(hash.salt());
        String expected = java.util.Base64.getEncoder().encodeToString(sha.digest());
        assertTrue(hash.encode().endsWith("$" + expected), hash.encode());
        assertTrue(hash.encode().startsWith("$6$"));
        assertTrue(PasswordHash.parse(hash.encode()).matches(bytes("hunter2")));
    }

    @Test
    void commentsAndBlankLinesAreAllowed() throws Exception {
        PasswordFile file = PasswordFile.parse("\n# users\r\n  # indented comment\n" + ALICE_7 + "\r\n", "passwd");
        assertTrue(file.verify("alice", bytes("secret")));
    }

    @Test
    void aBadLineRefusesTheWholeFileNamingFileAndLine() {
        assertBad("alice\n", 1, "expected USER:HASH");
        assertBad("# users\n" + ALICE_7 + "\nbob:hunter2\n", 3, "user bob: the password is not hashed");
        assertBad(ALICE_7 + "\nbob:\n", 2, "user bob has no password hash");
        assertBad(":$7$101$MVYXGspQThgE3LAd$abc\n", 1, "the user name before ':' is empty");
        assertBad("bob:$5$abc$def\n", 1, "unknown hash type $5$");
        assertBad("bob:$7$x$MVYXGspQThgE3LAd$abc\n", 1, "iteration count 'x'");
        assertBad("bob:$7$0$MVYXGspQThgE3LAd$abc\n", 1, "iteration count '0'");
        assertBad("bob:$7$101$MVYXGspQ$" + "A".repeat(86) + "==\n", 1, "the salt decodes to 6 bytes instead of 12");
        assertBad("bob:$7$101$MVYXGspQThgE3LAd$!!!\n", 1, "the hash is not valid base64");
        assertBad("bob:$6$101$MVYXGspQThgE3LAd$abc\n", 1, "has 2 fields after the type");
        assertBad(ALICE_7 + "\n" + ALICE_7 + "\n", 2, "user alice is already defined on line 1");

        FileFormatException e = assertThrows(FileFormatException.class,
                () -> PasswordFile.parse("bob:hunter2\n", "etc/passwd"));
        assertEquals("etc/passwd:1: user bob: the password is not hashed (plain text passwords are not read). Set"
                + " the password again with `bin/pigeon passwd etc/passwd bob`, or remove the line.", e.getMessage());
    }

    private static void assertBad(String text, int line, String detail) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> PasswordFile.parse(text, "pw"),
                () -> "refused: " + text);
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("pw:" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }

    @Test
    void userNamesThatCannotBeReadBackAreRefused() {
        for (String name : new String[] {"", "a:b", " bob", "bob ", "#bob", "tab\tbed"}) {
            assertThrows(IllegalArgumentException.class, () -> PasswordFile.empty().withUser(name,
                    PasswordHash.create(bytes("x"), 1, new SecureRandom())), () -> "'" + name + "'");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
