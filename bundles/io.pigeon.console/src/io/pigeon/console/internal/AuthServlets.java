package io.pigeon.console.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.console.ConsoleContext;

/** The routes that log in, out, tell who is logged in, and change the password. */
final class AuthServlets {

    private AuthServlets() {
    }

    /** A user name as typed, safe for one log line: control characters replaced, at most 64 characters. */
    static String printable(String user) {
        if (user == null) {
            return "";
        }
        String cut = user.length() > 64 ? user.substring(0, 64) + "..." : user;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    static void setSessionCookie(HttpServletRequest request, HttpServletResponse response, String value, int maxAge) {
        response.addHeader("Set-Cookie", Sessions.COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict"
                + (request.isSecure() ? "; Secure" : "") + (maxAge >= 0 ? "; Max-Age=" + maxAge : ""));
    }

    /** {@code POST /api/login} {"user", "password"}: sets the session cookie and returns the session. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/login")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Login extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private static final class Request {
            String user;
            String password;
        }

        private final transient UserStore users;
        private final transient Sessions sessions;
        private final transient LoginThrottle throttle;
        private final transient Logger log;

        @Activate
        public Login(@Reference UserStore users, @Reference Sessions sessions, @Reference LoginThrottle throttle,
                @Reference(service = LoggerFactory.class) Logger log) {
            this.users = users;
            this.sessions = sessions;
            this.throttle = throttle;
            this.log = log;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            String address = request.getRemoteAddr();
            Duration wait = throttle.waitBeforeTrying(address, r.user);
            if (!wait.isZero()) {
                response.setHeader("Retry-After", Long.toString(Math.max(1, wait.toSeconds())));
                throw new BadRequest(429, "too many failed logins; try again in " + Math.max(1, wait.toSeconds())
                        + " s");
            }
            if (r.user == null || r.password == null
                    || users.authenticate(r.user, r.password.toCharArray()) == null) {
                throttle.failed(address, r.user);
                log.warn("HTTP console: failed login for user '{}' from {}", printable(r.user), address);
                throw new BadRequest(HttpServletResponse.SC_UNAUTHORIZED, "wrong user name or password");
            }
            throttle.succeeded(address, r.user);
            Sessions.Session s = sessions.create(r.user);
            setSessionCookie(request, response, s.token, -1);
            log.info("HTTP console: user '{}' logged in from {}", printable(r.user), address);
            ok(response, SessionInfo.of(s, users));
        }
    }

    /** {@code POST /api/logout}: ends the session and clears the cookie. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/logout")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Logout extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient Sessions sessions;

        @Activate
        public Logout(@Reference Sessions sessions) {
            this.sessions = sessions;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException {
            sessions.end(session(request));
            setSessionCookie(request, response, "", 0);
            ok(response, Map.of("loggedOut", Boolean.TRUE));
        }
    }

    /** {@code GET /api/session}: the user, the CSRF token for later requests, and whether the password must change. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/session")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Session extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient UserStore users;

        @Activate
        public Session(@Reference UserStore users) {
            this.users = users;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ok(response, SessionInfo.of(session(request), users));
        }
    }

    /** {@code POST /api/password} {"current", "next"}: changes the password and ends the user's other sessions. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/password")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Password extends ApiServlet {
        private static final long serialVersionUID = 1L;

        private static final class Request {
            String current;
            String next;
        }

        private final transient UserStore users;
        private final transient Sessions sessions;

        @Activate
        public Password(@Reference UserStore users, @Reference Sessions sessions) {
            this.users = users;
            this.sessions = sessions;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            if (r.current == null || r.next == null) {
                throw new BadRequest("send {\"current\": ..., \"next\": ...}");
            }
            Sessions.Session s = session(request);
            String refused = users.changePassword(s.user, r.current.toCharArray(), r.next.toCharArray());
            if (refused != null) {
                throw new BadRequest(refused);
            }
            sessions.endAllOf(s.user, s);
            ok(response, SessionInfo.of(s, users));
        }
    }

    /**
     * What the page learns about its session: the user, the CSRF token, whether the password must change first, and
     * the role, so the pages hide what only an administrator may do.
     */
    static final class SessionInfo {
        final String user;
        final String csrfToken;
        final boolean mustChangePassword;
        final String role;
        final boolean admin;

        private SessionInfo(String user, String csrfToken, boolean mustChangePassword, String role) {
            this.user = user;
            this.csrfToken = csrfToken;
            this.mustChangePassword = mustChangePassword;
            this.role = role;
            this.admin = UserStore.ADMINISTRATOR.equals(role);
        }

        static SessionInfo of(Sessions.Session s, UserStore users) {
            return new SessionInfo(s.user, s.csrf, users.mustChangePassword(s.user), users.role(s.user));
        }
    }
}
