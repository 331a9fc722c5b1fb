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
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.auth.internal.passwd.PasswordFile;
import io.pigeon.auth.internal.passwd.PasswordHash;
import io.pigeon.broker.spi.Authenticator.Result;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * per_listener_settings: the registered authenticator and authorizer hand each client to its listener's own checks,
 * and fail closed for a listener whose settings are not there.
 */
class ListenerSecurityTest {

    static final String OPEN = "io.pigeon.listener~1883";
    static final String CLOSED = "io.pigeon.listener~8883";

    @TempDir
    Path dir;
    final LogCapture log = new LogCapture();
    PasswordAuthenticator authenticator;
    AclAuthorizer authorizer;

    @BeforeEach
    void listeners() throws Exception {
        Path passwd = dir.resolve("passwd");
        PasswordFile.empty().withUser("alice", PasswordHash.create("secret".getBytes(UTF_8),
                PasswordHash.DEFAULT_ITERATIONS, new SecureRandom())).write(passwd);
        Path openAcl = Files.writeString(dir.resolve("open.acl"), "topic readwrite open/#\n");
        Path closedAcl = Files.writeString(dir.resolve("closed.acl"), "user alice\ntopic readwrite secret/#\n");
        // the broker-wide settings under per_listener_settings: nothing of their own
        authenticator = new PasswordAuthenticator(config(null, null, null, true), digests(null, null), log.logger);
        authorizer = new AclAuthorizer(config(null, null, null, true), digests(null, null), log.logger);
        ListenerSecurity open = new ListenerSecurity(config("true", null, openAcl, true), digests(null, openAcl),
                Map.of("service.pid", OPEN), log.logger);
        ListenerSecurity closed = new ListenerSecurity(config("false", passwd, closedAcl, true),
                digests(passwd, closedAcl), Map.of("service.pid", CLOSED), log.logger);
        for (ListenerSecurity l : new ListenerSecurity[] {open, closed}) {
            authenticator.bindListener(l);
            authorizer.bindListener(l);
        }
    }

    private static ClientIdentity client(String user, String listener) {
        return new ClientIdentity("c", user, "192.0.2.1:5000", 4, listener);
    }

    private Result login(String user, String password, String listener) {
        return authenticator.authenticate(client(user, listener), password == null ? null : password.getBytes(UTF_8));
    }

    @Test
    void eachListenerAuthenticatesWithItsOwnSettings() {
        assertEquals(Result.ACCEPT, login(null, null, OPEN));
        assertEquals(Result.NOT_AUTHORIZED, login(null, null, CLOSED));
        assertTrue(log.find("192.0.2.1:5000 on listener " + CLOSED).contains("allow_anonymous is false"),
                "the refusal does not name the listener whose setting refused it");
        assertEquals(Result.ACCEPT, login("alice", "secret", CLOSED));
        assertEquals(Result.BAD_CREDENTIALS, login("alice", "wrong", CLOSED));
        // no password file on the open listener: the user name is not checked, the client counts as anonymous
        assertEquals(Result.ACCEPT, login("alice", "wrong", OPEN));
        // the broker-wide defaults for in-process clients and the default listener: this machine only
        assertEquals(Result.NOT_AUTHORIZED, login(null, null, ""));
    }

    @Test
    void eachListenerHasItsOwnAcl() {
        assertTrue(authorizer.canPublish(client(null, OPEN), "open/a"));
        assertFalse(authorizer.canPublish(client(null, OPEN), "secret/a"));
        assertTrue(authorizer.canSubscribe(client("alice", CLOSED), "secret/#"));
        assertFalse(authorizer.canSubscribe(client("alice", CLOSED), "open/#"));
        assertFalse(authorizer.canReceive(client("alice", CLOSED), "open/a"));
        // without an acl_file of its own the broker-wide setting (none) lets everything through
        assertTrue(authorizer.canPublish(client(null, ""), "anything"));
    }

    @Test
    void unknownListenerFailsClosedAndSaysSo() {
        String unknown = "io.pigeon.listener~9999";
        assertEquals(Result.NOT_AUTHORIZED, login("alice", "secret", unknown));
        assertFalse(authorizer.canPublish(client("alice", unknown), "secret/a"));
        assertTrue(log.lines().stream().anyMatch(l -> l.contains("per_listener_settings is true")
                && l.contains(unknown)), log.lines().toString());
    }
}
