package io.pigeon.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.LoggerFactory;

/** The login's building blocks on their own, with a clock the test moves. */
class SecurityPartsTest {

    /** A clock that stands still until the test moves it. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void passwordHashesVerifyOnlyTheRightPasswordAndAreSalted() {
        PasswordHasher hasher = new PasswordHasher(1000);
        String a = hasher.hash("secret one".toCharArray());
        String b = hasher.hash("secret one".toCharArray());
        assertNotEquals(a, b, "a fresh salt each time");
        assertTrue(a.startsWith("pbkdf2-sha512$1000$"), a);
        assertTrue(hasher.verify("secret one".toCharArray(), a));
        assertFalse(hasher.verify("secret two".toCharArray(), a));
        assertFalse(hasher.verify("secret one".toCharArray(), "$7$mosquitto-style"));
        assertFalse(hasher.verify("secret one".toCharArray(), "pbkdf2-sha512$x$y$z"));
        assertFalse(hasher.verify("secret one".toCharArray(), null));
        assertNotEquals(PasswordHasher.randomPassword(), PasswordHasher.randomPassword());
        assertEquals(20, PasswordHasher.randomPassword().length());
    }

    @Test
    void failuresLockTheAddressForThatUserThenForEveryUserForLongerEachTime() {
        TestClock clock = new TestClock();
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.FREE_FAILURES - 1; i++) {
            throttle.failed("192.0.2.1", "admin");
        }
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.1", "admin"));
        throttle.failed("192.0.2.1", "admin");
        assertEquals(Duration.ofSeconds(30), throttle.waitBeforeTrying("192.0.2.1", "admin"));
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.99", "admin"),
                "the right password from another address is not kept waiting: no lock-out of admin");
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.1", "bob"), "5 failures on the address so far");
        for (int i = 0; i < LoginThrottle.FREE_ADDRESS_FAILURES - LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed("192.0.2.1", "user" + i);
        }
        assertEquals(Duration.ofSeconds(30), throttle.waitBeforeTrying("192.0.2.1", "carol"),
                "10 failures from one address, over any names: it waits for every name");
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.99", "carol"));

        clock.advance(Duration.ofSeconds(31));
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.1", "admin"));
        throttle.failed("192.0.2.1", "admin");
        assertEquals(Duration.ofSeconds(60), throttle.waitBeforeTrying("192.0.2.1", "admin"), "doubles");
        for (int i = 0; i < 20; i++) {
            throttle.failed("192.0.2.1", "admin");
        }
        assertEquals(LoginThrottle.MAX_LOCK, throttle.waitBeforeTrying("192.0.2.1", "admin"), "capped");
        throttle.succeeded("192.0.2.1", "admin");
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.1", "admin"));
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.1", "carol"));
    }

    @Test
    void aDistributedGuessOnAdminNeverLocksOutAnAddressThatDidNotFail() {
        TestClock clock = new TestClock();
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int host = 1; host <= 200; host++) {
            for (int i = 0; i < LoginThrottle.FREE_FAILURES + 3; i++) {
                if (throttle.waitBeforeTrying("198.51.100." + host, "admin").isZero()) {
                    throttle.failed("198.51.100." + host, "admin");
                }
            }
            assertEquals(Duration.ofSeconds(30), throttle.waitBeforeTrying("198.51.100." + host, "admin"),
                    "each guessing address gets its 5 tries and then waits");
        }
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("192.0.2.7", "admin"), "the administrator's own PC");
    }

    @Test
    void anIpv6HostCountsByItsNetworkSoNewAddressesDoNotBuyNewTries() {
        LoginThrottle throttle = new LoginThrottle(new TestClock());
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed("2001:db8:0:1::" + Integer.toHexString(i + 1), "admin");
        }
        assertEquals(Duration.ofSeconds(30), throttle.waitBeforeTrying("2001:db8:0:1:ffff::42", "admin"),
                "one /64 network");
        assertEquals(Duration.ZERO, throttle.waitBeforeTrying("2001:db8:0:2::1", "admin"), "another network");
        assertEquals("192.0.2.1", LoginThrottle.addressKey("::ffff:192.0.2.1"));
        assertEquals(LoginThrottle.addressKey("[fe80::1%eth0]"), LoginThrottle.addressKey("fe80::2"));
        assertEquals("192.0.2.1", LoginThrottle.addressKey("192.0.2.1"));
    }

    @Test
    void theMemoryIsBoundedAndTheNewestLockHolds() {
        TestClock clock = new TestClock();
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.MAX_ENTRIES / 2 + 100; i++) { // two counts each: past the bound
            throttle.failed("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), "x");
        }
        clock.advance(Duration.ofSeconds(1));
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed("192.0.2.1", "admin");
        }
        assertEquals(Duration.ofSeconds(30), throttle.waitBeforeTrying("192.0.2.1", "admin"));
    }

    @Test
    void usersHaveRolesAndTheLastAdministratorAndOnesOwnAccountAreKept(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve(UserStore.USERS_FILE), "{\"version\":1,\"users\":[{\"name\":\"admin\","
                + "\"hash\":\"x\",\"mustChangePassword\":false},{\"name\":\"viewer\",\"hash\":\"x\"}]}");
        UserStore users = new UserStore(folder, ConsoleOsgiTest.service(LoggerFactory.class, null)
                .getLogger(UserStore.class), new PasswordHasher(1000));
        assertTrue(users.isAdmin("admin"), "in a file from before roles, the first account is the administrator");
        assertFalse(users.isAdmin("viewer"));
        assertEquals(UserStore.OPERATOR, users.role("viewer"));
        assertFalse(users.isAdmin("nobody"));

        assertEquals(400, assertThrows(ApiServlet.BadRequest.class, () -> users.add("admin", "olga x", "operator",
                "long enough password".toCharArray())).status, "no spaces in a user name");
        assertEquals(400, assertThrows(ApiServlet.BadRequest.class, () -> users.add("admin", "olga", "root",
                "long enough password".toCharArray())).status);
        assertEquals(400, assertThrows(ApiServlet.BadRequest.class, () -> users.add("admin", "olga", "operator",
                "short".toCharArray())).status);
        users.add("admin", "olga", "operator", "long enough password".toCharArray());
        assertEquals(409, assertThrows(ApiServlet.BadRequest.class, () -> users.add("admin", "olga", "operator",
                "long enough password".toCharArray())).status);
        assertTrue(users.mustChangePassword("olga"), "a new user chooses a password at the first login");
        assertNotNull(users.authenticate("olga", "long enough password".toCharArray()));

        ApiServlet.BadRequest self = assertThrows(ApiServlet.BadRequest.class, () -> users.setRole("admin", "admin",
                "operator"));
        assertEquals(409, self.status);
        assertTrue(self.getMessage().contains("another administrator must do it"), self.getMessage());
        assertEquals(409, assertThrows(ApiServlet.BadRequest.class, () -> users.delete("admin", "admin")).status);
        ApiServlet.BadRequest last = assertThrows(ApiServlet.BadRequest.class, () -> users.delete("viewer", "admin"));
        assertTrue(last.getMessage().contains("admin is the last administrator"), last.getMessage());
        assertEquals(409, assertThrows(ApiServlet.BadRequest.class, () -> users.setRole("olga", "admin",
                "operator")).status);

        users.setRole("admin", "olga", "administrator");
        assertTrue(users.isAdmin("olga"));
        users.setRole("olga", "admin", "operator");
        assertFalse(users.isAdmin("admin"), "another administrator remains, so admin may become an operator");
        users.resetPassword("olga", "viewer", "a new password for viewer".toCharArray());
        assertTrue(users.mustChangePassword("viewer"));
        assertNotNull(users.authenticate("viewer", "a new password for viewer".toCharArray()));
        users.delete("olga", "viewer");
        assertFalse(users.exists("viewer"));
        assertEquals(404, assertThrows(ApiServlet.BadRequest.class, () -> users.delete("olga", "viewer")).status);

        UserStore reread = new UserStore(folder, ConsoleOsgiTest.service(LoggerFactory.class, null)
                .getLogger(UserStore.class), new PasswordHasher(1000));
        assertEquals(List.of(new UserStore.User("admin", UserStore.OPERATOR, false),
                new UserStore.User("olga", UserStore.ADMINISTRATOR, true)), reread.list(), "kept in users.json");
    }

    @Test
    void sessionsEndAfterTheIdleTimeoutAtLogoutAndAfterAPasswordChange() {
        TestClock clock = new TestClock();
        Sessions sessions = new Sessions(config(10), clock);
        Sessions.Session a = sessions.create("admin");
        Sessions.Session b = sessions.create("admin");
        Sessions.Session other = sessions.create("bob");
        assertNotEquals(a.token, b.token);
        assertNotEquals(a.token, a.csrf);
        assertTrue(a.token.length() >= 43, "256 bits");
        clock.advance(Duration.ofMinutes(9));
        assertNotNull(sessions.find(a.token), "used within the idle time");
        clock.advance(Duration.ofMinutes(9));
        assertNotNull(sessions.find(a.token), "each request moves the idle time");
        assertNull(sessions.find(b.token), "18 minutes idle > 10");
        assertNull(sessions.find(other.token));

        Sessions.Session c = sessions.create("admin");
        sessions.endAllOf("admin", c);
        assertNull(sessions.find(a.token), "ended by the password change in c");
        assertNotNull(sessions.find(c.token));
        sessions.end(c);
        assertNull(sessions.find(c.token));
        assertTrue(c.ended);
        assertNull(sessions.find(null));
        assertNull(sessions.find("forged"));
        assertTrue(c.csrfMatches(c.csrf));
        assertFalse(c.csrfMatches(null));
        assertFalse(c.csrfMatches(c.csrf + "x"));
    }

    @Test
    void sessionsAreBoundedAndTheOldestIdleOneGoesFirst() {
        TestClock clock = new TestClock();
        Sessions sessions = new Sessions(config(60), clock);
        Sessions.Session first = sessions.create("u0");
        for (int i = 1; i < Sessions.MAX_SESSIONS + 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            sessions.create("u" + i);
        }
        assertNull(sessions.find(first.token));
    }

    @Test
    void aUserNameCannotForgeLogLines() {
        assertEquals("admin?INFO fake line", AuthServlets.printable("admin\nINFO fake line"));
        assertEquals(67, AuthServlets.printable("x".repeat(500)).length());
        assertEquals("", AuthServlets.printable(null));
    }

    static ConsoleConfig config(int idleMinutes) {
        return new ConsoleConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ConsoleConfig.class;
            }

            @Override
            public int port() {
                return 0;
            }

            @Override
            public String bind_address() {
                return "";
            }

            @Override
            public String tls_certificate() {
                return "";
            }

            @Override
            public String tls_key() {
                return "";
            }

            @Override
            public int session_idle_minutes() {
                return idleMinutes;
            }
        };
    }
}
