package io.pigeon.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Slows down password guessing: after {@value #FREE_FAILURES} failed logins from one address, or for one user name,
 * further attempts from it (or for it) are refused for a lock-out that doubles with each failure, from 30 s up to
 * 15 min. A successful login clears the address and the user name. Memory is bounded: entries older than the longest
 * lock-out are dropped, and at most {@value #MAX_ENTRIES} are kept.
 */
@Component(service = LoginThrottle.class)
public final class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration FIRST_LOCK = Duration.ofSeconds(30);
    static final Duration MAX_LOCK = Duration.ofMinutes(15);
    static final int MAX_ENTRIES = 10_000;

    private record Failures(int count, Instant last) {
    }

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final Clock clock;

    @Activate
    public LoginThrottle() {
        this(Clock.systemUTC());
    }

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** How long the caller must wait before it may try again; zero when it may try now. */
    Duration waitBeforeTrying(String address, String user) {
        Instant now = clock.instant();
        Duration a = remaining(failures.get("addr:" + address), now);
        Duration u = remaining(failures.get("user:" + user), now);
        return a.compareTo(u) >= 0 ? a : u;
    }

    void failed(String address, String user) {
        Instant now = clock.instant();
        if (failures.size() >= MAX_ENTRIES) {
            failures.values().removeIf(f -> f.last.plus(MAX_LOCK).isBefore(now));
        }
        if (failures.size() < MAX_ENTRIES) {
            failures.merge("addr:" + address, new Failures(1, now), (o, n) -> new Failures(o.count + 1, now));
        }
        if (user != null && !user.isEmpty() && failures.size() < MAX_ENTRIES) {
            failures.merge("user:" + user, new Failures(1, now), (o, n) -> new Failures(o.count + 1, now));
        }
    }

    void succeeded(String address, String user) {
        failures.remove("addr:" + address);
        failures.remove("user:" + user);
    }

    private static Duration remaining(Failures f, Instant now) {
        if (f == null || f.count < FREE_FAILURES) {
            return Duration.ZERO;
        }
        int doublings = Math.min(f.count - FREE_FAILURES, 5);
        Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
        if (lock.compareTo(MAX_LOCK) > 0) {
            lock = MAX_LOCK;
        }
        Duration left = Duration.between(now, f.last.plus(lock));
        return left.isNegative() ? Duration.ZERO : left;
    }
}
