package io.pigeon.console.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Slows down password guessing without letting anyone lock a user out. Failures are counted per address and user
 * name, and per address: after {@value #FREE_FAILURES} failed logins for one user name from one address, that address
 * waits before it may try that name again, and after {@value #FREE_ADDRESS_FAILURES} failures from one address (any
 * names), it waits for every name; the wait doubles with each further failure, from 30 s up to 15 min. Failures
 * from other addresses never slow an address down, so nobody on the network can keep {@code admin} out: the right
 * password from an address that did not fail is let in at once.
 * <p>
 * An IPv6 address counts by its /64 network, the block one host can take addresses from at will; an IPv4-mapped
 * address counts as the IPv4 address. A successful login clears its address's counts. Memory is bounded: counts older
 * than the longest wait are dropped first, and at most {@value #MAX_ENTRIES} are kept (the stalest goes).
 */
@Component(service = LoginThrottle.class)
public final class LoginThrottle {

    /** Failed logins for one user name from one address before that address waits for that name. */
    static final int FREE_FAILURES = 5;
    /** Failed logins from one address, over all user names, before it waits for every name. */
    static final int FREE_ADDRESS_FAILURES = 10;
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

    /** How long a login from {@code address} for {@code user} must wait before it may be tried; zero: now. */
    Duration waitBeforeTrying(String address, String user) {
        Instant now = clock.instant();
        String from = addressKey(address);
        Duration pair = remaining(failures.get(pairKey(from, user)), FREE_FAILURES, now);
        Duration all = remaining(failures.get("address " + from), FREE_ADDRESS_FAILURES, now);
        return pair.compareTo(all) >= 0 ? pair : all;
    }

    void failed(String address, String user) {
        Instant now = clock.instant();
        String from = addressKey(address);
        count(pairKey(from, user), now);
        count("address " + from, now);
    }

    void succeeded(String address, String user) {
        String from = addressKey(address);
        failures.remove(pairKey(from, user));
        failures.remove("address " + from);
    }

    private void count(String key, Instant now) {
        if (!failures.containsKey(key) && failures.size() >= MAX_ENTRIES) {
            failures.values().removeIf(f -> f.last.plus(MAX_LOCK).isBefore(now));
            while (failures.size() >= MAX_ENTRIES) {
                failures.entrySet().stream().min((a, b) -> a.getValue().last.compareTo(b.getValue().last))
                        .ifPresent(stalest -> failures.remove(stalest.getKey(), stalest.getValue()));
            }
        }
        failures.merge(key, new Failures(1, now), (o, n) -> new Failures(o.count + 1, now));
    }

    private static String pairKey(String from, String user) {
        return "user " + from + " " + (user == null ? "" : user);
    }

    /** The address as counted: an IPv4 address, or the /64 network of an IPv6 one. */
    static String addressKey(String address) {
        if (address == null || address.indexOf(':') < 0) {
            return String.valueOf(address);
        }
        String literal = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
                : address;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        try {
            // a literal from the connection, so no name is looked up
            InetAddress parsed = InetAddress.getByName(literal);
            if (parsed instanceof Inet4Address) {
                return parsed.getHostAddress();
            }
            if (parsed instanceof Inet6Address) {
                byte[] bytes = parsed.getAddress();
                return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
            }
        } catch (UnknownHostException e) {
            // not a literal: counted as it is
        }
        return address;
    }

    private static Duration remaining(Failures f, int free, Instant now) {
        if (f == null || f.count < free) {
            return Duration.ZERO;
        }
        int doublings = Math.min(f.count - free, 5);
        Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
        if (lock.compareTo(MAX_LOCK) > 0) {
            lock = MAX_LOCK;
        }
        Duration left = Duration.between(now, f.last.plus(lock));
        return left.isNegative() ? Duration.ZERO : left;
    }
}
