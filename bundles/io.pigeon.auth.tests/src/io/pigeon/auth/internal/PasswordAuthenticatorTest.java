package io.pigeon.auth.internal;

import static io.pigeon.auth.internal.TestConfigs.config;
import static io.pigeon.auth.internal.TestConfigs.digests;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.auth.internal.passwd.PasswordFile;
import io.pigeon.auth.internal.passwd.PasswordHash;
import io.pigeon.broker.spi.Authenticator.Result;
import io.pigeon.broker.spi.ClientIdentity;

class PasswordAuthenticatorTest {

    @TempDir
    Path dir;
    final LogCapture log = new LogCapture();
    PasswordAuthenticator authenticator;

    private PasswordAuthenticator start(String allowAnonymous, Path passwordFile) {
        authenticator = new PasswordAuthenticator(config(allowAnonymous, passwordFile, null),
                digests(passwordFile, null), log.logger);
        return authenticator;
    }

    /** What io.pigeon.config does when it sees the file change: the same settings with the new digest. */
    private void fileChanged(String allowAnonymous, Path passwordFile) {
        authenticator.modified(config(allowAnonymous, passwordFile, null), digests(passwordFile, null));
    }

    private static ClientIdentity client(String user, String address) {
        return new ClientIdentity("client-1", user, address, 4);
    }

    private Result login(String user, String password, String address) {
        return authenticator.authenticate(client(user, address), password == null ? null : password.getBytes(UTF_8));
    }

    private Path passwordFile(String user, String password) throws Exception {
        Path file = dir.resolve("passwd");
        PasswordFile.empty().withUser(user, PasswordHash.create(password.getBytes(UTF_8),
                PasswordHash.DEFAULT_ITERATIONS, new SecureRandom())).write(file);
        return file;
    }

    @Test
    void withoutAllowAnonymousOnlyLoopbackClientsGetIn() {
        start(null, null);
        for (String local : new String[] {"127.0.0.1:50000", "127.8.9.10:1", "0:0:0:0:0:0:0:1:1883", "[::1]:1883",
                "/127.0.0.1:3", "in-process"}) {
            assertEquals(Result.ACCEPT, login(null, null, local), local);
        }
        for (String remote : new String[] {"192.168.1.20:51234", "10.0.0.1:1", "fe80:0:0:0:0:0:0:1%eth0:1883",
                "localhost:1883", "embedded", "", null}) {
            assertEquals(Result.NOT_AUTHORIZED, login(null, null, remote), remote);
        }
        String line = log.find("192.168.1.20:51234");
        assertTrue(line.startsWith("WARN Refused anonymous client client-1 from 192.168.1.20:51234"), line);
        assertTrue(line.contains("add a user with `bin/pigeon passwd etc/passwd USER` and set `password_file` in"
                + " etc/pigeon.conf, or set `allow_anonymous true`"), line);
        assertEquals(Result.NOT_AUTHORIZED, login("alice", "x", "192.168.1.20:51234"),
                "without a password file a user name proves nothing");
        assertEquals(Result.ACCEPT, login("alice", "x", "127.0.0.1:5"));
    }

    @Test
    void allowAnonymousTrueAndFalse() {
        start("true", null);
        assertEquals(Result.ACCEPT, login(null, null, "192.168.1.20:51234"));
        authenticator.modified(config("false", null, null), digests(null, null));
        assertEquals(Result.NOT_AUTHORIZED, login(null, null, "127.0.0.1:5"));
        assertTrue(log.find("127.0.0.1:5").contains("allow_anonymous is false"));
        authenticator.modified(config("maybe", null, null), digests(null, null));
        assertEquals(Result.NOT_AUTHORIZED, login(null, null, "127.0.0.1:5"), "an unreadable value fails closed");
        log.find("allow_anonymous 'maybe' must be true or false");
    }

    @Test
    void passwordsAreCheckedAndRefusalsLoggedWithoutThem() throws Exception {
        start("true", passwordFile("alice", "s3cret-pw"));
        assertEquals(Result.ACCEPT, login("alice", "s3cret-pw", "192.168.1.20:1"));
        assertEquals(Result.BAD_CREDENTIALS, login("alice", "wrong-pw", "192.168.1.20:2"));
        assertEquals(Result.BAD_CREDENTIALS, login("mallory", "s3cret-pw", "192.168.1.20:3"));
        assertEquals(Result.BAD_CREDENTIALS, login("alice", null, "192.168.1.20:4"));
        assertEquals(Result.ACCEPT, login(null, null, "192.168.1.20:5"), "anonymous still follows allow_anonymous");

        assertEquals("INFO Refused client client-1 from 192.168.1.20:2: wrong password for user alice.",
                log.find("192.168.1.20:2"));
        assertTrue(log.find("192.168.1.20:3").contains("unknown user"));
        assertTrue(log.find("192.168.1.20:4").contains("sent no password"));
        for (String line : log.lines()) {
            assertFalse(line.contains("s3cret-pw") || line.contains("wrong-pw"), line);
        }
    }

    @Test
    void aBadEditKeepsThePreviousPasswordsAndTheFixIsPickedUp() throws Exception {
        Path file = passwordFile("alice", "one");
        start("false", file);
        assertEquals(Result.ACCEPT, login("alice", "one", "10.0.0.1:1"));

        String good = Files.readString(file);
        Files.writeString(file, good + "bob\n");
        fileChanged("false", file);
        assertTrue(log.contains(file + ":2: expected USER:HASH"), "the bad edit is reported");
        assertTrue(log.find(file + ":2:").contains("The previous version stays in force."));
        assertEquals(Result.ACCEPT, login("alice", "one", "10.0.0.1:1"));

        PasswordFile.parse(good, "passwd").withUser("alice", PasswordHash.create("two".getBytes(UTF_8),
                PasswordHash.DEFAULT_ITERATIONS, new SecureRandom())).write(file);
        fileChanged("false", file);
        assertEquals(Result.ACCEPT, login("alice", "two", "10.0.0.1:1"), "the new password is in force");
        assertEquals(Result.BAD_CREDENTIALS, login("alice", "one", "10.0.0.1:1"));

        log.clear();
        fileChanged("false", file);
        assertFalse(log.contains("Reloaded"), "an unchanged digest does not read the file again: " + log.lines());
    }

    @Test
    void aFileThatNeverLoadedRefusesUsers() throws Exception {
        Path file = dir.resolve("passwd");
        Files.writeString(file, "alice:plain\n");
        start("true", file);
        assertTrue(log.find(file + ":1:").contains("Clients with a user name are refused until it is fixed."));
        assertEquals(Result.NOT_AUTHORIZED, login("alice", "plain", "10.0.0.1:1"));
        assertEquals(Result.ACCEPT, login(null, null, "10.0.0.1:1"));

        PasswordFile.empty().withUser("alice", PasswordHash.create("fixed".getBytes(UTF_8), 101, new SecureRandom()))
                .write(file);
        fileChanged("true", file);
        assertEquals(Result.ACCEPT, login("alice", "fixed", "10.0.0.1:1"), "the fixed file is loaded");
        assertTrue(authenticator.reload());
    }
}
