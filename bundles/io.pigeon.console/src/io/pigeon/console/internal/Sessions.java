package io.pigeon.console.internal;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;

/**
 * Logged-in sessions, in memory: a restart logs everyone out. The cookie carries a random 256-bit token; each session
 * has its own random CSRF token, which the page reads from {@code /api/session} and sends back in
 * {@value io.pigeon.console.ConsoleContext#CSRF_HEADER}. A session ends at logout, after
 * {@link ConsoleConfig#session_idle_minutes()} without a request, or when the user's password changes elsewhere.
 */
@Component(service = Sessions.class, configurationPid = ConsoleConfig.PID)
public final class Sessions {

    static final String COOKIE = "pigeon_session";
    /** At most this many sessions at once; the oldest idle one goes first. */
    static final int MAX_SESSIONS = 64;

    /** One login. {@code lastSeen} moves with every request. */
    static final class Session {
        final String token;
        final String user;
        final String csrf;
        volatile Instant lastSeen;
        volatile boolean ended;

        Session(String token, String user, String csrf, Instant now) {
            this.token = token;
            this.user = user;
            this.csrf = csrf;
            this.lastSeen = now;
        }

        boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.US_ASCII),
                    presented.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Session> byToken = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile Duration idle;

    @Activate
    public Sessions(ConsoleConfig config) {
        this(config, Clock.systemUTC());
    }

    Sessions(ConsoleConfig config, Clock clock) {
        this.clock = clock;
        modified(config);
    }

    @Modified
    void modified(ConsoleConfig config) {
        idle = Duration.ofMinutes(Math.max(1, config.session_idle_minutes()));
    }

    Session create(String user) {
        Instant now = clock.instant();
        expire(now);
        if (byToken.size() >= MAX_SESSIONS) {
            byToken.values().stream().min((a, b) -> a.lastSeen.compareTo(b.lastSeen)).ifPresent(this::end);
        }
        Session s = new Session(token(), user, token(), now);
        byToken.put(s.token, s);
        return s;
    }

    /** The live session for a cookie value, touched; null when unknown, ended or idle too long. */
    Session find(String token) {
        if (token == null) {
            return null;
        }
        Session s = byToken.get(token);
        if (s == null) {
            return null;
        }
        Instant now = clock.instant();
        if (s.ended || s.lastSeen.plus(idle).isBefore(now)) {
            end(s);
            return null;
        }
        s.lastSeen = now;
        return s;
    }

    void end(Session s) {
        s.ended = true;
        byToken.remove(s.token, s);
    }

    /** Ends every session of the user except {@code keep} (after a password change). */
    void endAllOf(String user, Session keep) {
        byToken.values().stream().filter(s -> s.user.equals(user) && s != keep).forEach(this::end);
    }

    private void expire(Instant now) {
        byToken.values().removeIf(s -> {
            boolean old = s.lastSeen.plus(idle).isBefore(now);
            if (old) {
                s.ended = true;
            }
            return old;
        });
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
