package io.pigeon.console.internal;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContext;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.console.ConsoleContext;

/**
 * The console's servlet context. The HTTP Whiteboard calls {@link #handleSecurity} before every servlet registered
 * in it, so the rules below hold for every route, including routes other bundles add later:
 * <ul>
 * <li>every response carries a Content-Security-Policy that allows scripts, styles and connections from the console
 * itself only (no inline script), plus nosniff, no framing, no referrer and no caching;</li>
 * <li>a request without a live session gets 401, except the few {@link #PUBLIC} routes that log in;</li>
 * <li>a request other than GET or HEAD needs the session's CSRF token in {@value ConsoleContext#CSRF_HEADER}, else
 * 403; the login request, which has no session yet, must be JSON from the console's own origin instead;</li>
 * <li>until the first password is changed, only the session, password and logout routes answer (403 otherwise);</li>
 * <li>a request that changes something needs an administrator (403 for an operator), except the
 * {@link #OPERATOR_ACTIONS}, which act with the user's MQTT rights; so does reading the {@link #ADMIN_READS}. A
 * route added later, by this bundle or another, is an administrator's until it is listed there.</li>
 * </ul>
 */
@Component(service = ServletContextHelper.class)
@HttpWhiteboardContext(name = ConsoleContext.NAME, path = "/")
@HttpWhiteboardTarget(ConsoleContext.TARGET)
public final class ConsoleSecurity extends ServletContextHelper {

    static final String SESSION_ATTRIBUTE = "io.pigeon.console.session";

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /** Routes that answer without a session ("METHOD path"): the login page, its assets and the login call. */
    static final Set<String> PUBLIC = Set.of("GET /login", "HEAD /login", "GET /static/login.js",
            "GET /static/console.css", "POST /api/login");

    /** Routes a user who must still change the first password may use. */
    static final Set<String> BEFORE_PASSWORD_CHANGE = Set.of("/login", "/", "/static/login.js", "/static/common.js",
            "/static/console.js", "/static/console.css", "/api/session", "/api/password", "/api/logout",
            // the explorer page loads these with the password form, and is not reloaded after the change
            "/static/explorer.css", "/static/vendor/uplot/uPlot.iife.min.js", "/static/vendor/uplot/uPlot.min.css");

    /**
     * The state-changing routes an operator may use as well as an administrator: logging out, changing one's own
     * password, and what an MQTT client may do (publish, delete a retained message, switch a GPIO output), which the
     * broker's authorizer checks against the MQTT user of the same name.
     */
    static final Set<String> OPERATOR_ACTIONS = Set.of("/api/logout", "/api/password", "/api/publish",
            "/api/retained/delete", "/api/gpio/set");

    /** Routes only an administrator may read: the console's accounts. */
    static final Set<String> ADMIN_READS = Set.of("/api/users");

    private final Sessions sessions;
    private final UserStore users;

    @Activate
    public ConsoleSecurity(@Reference Sessions sessions, @Reference UserStore users, BundleContext context) {
        super(context.getBundle());
        this.sessions = sessions;
        this.users = users;
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        secureHeaders(response);
        String path = path(request);
        String method = request.getMethod();
        boolean safe = method.equals("GET") || method.equals("HEAD");
        if (PUBLIC.contains(method + " " + path)) {
            if (!safe && !isSameOriginJson(request)) {
                refuse(response, HttpServletResponse.SC_FORBIDDEN,
                        "log in from the console page: the request must be JSON from this origin");
                return false;
            }
            return true;
        }
        Sessions.Session session = sessions.find(sessionCookie(request));
        if (session == null || !users.exists(session.user)) {
            if (session != null) {
                sessions.end(session);
            }
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            if (wantsPage(request)) {
                // a browser opening a page: send it to the login form (no script needed)
                response.setHeader("Refresh", "0; url=/login");
                response.setContentType("text/html;charset=utf-8");
                response.getOutputStream().write(("<!DOCTYPE html><title>Log in</title><link rel=\"stylesheet\" "
                        + "href=\"/static/console.css\"><p>Please <a href=\"/login\">log in</a>.</p>")
                        .getBytes(StandardCharsets.UTF_8));
            } else {
                writeError(response, "log in first: POST /api/login");
            }
            return false;
        }
        if (!safe && !session.csrfMatches(request.getHeader(ConsoleContext.CSRF_HEADER))) {
            refuse(response, HttpServletResponse.SC_FORBIDDEN, "missing or wrong " + ConsoleContext.CSRF_HEADER
                    + " header: reload the page (GET /api/session returns the token)");
            return false;
        }
        if (users.mustChangePassword(session.user) && !BEFORE_PASSWORD_CHANGE.contains(path)) {
            refuse(response, HttpServletResponse.SC_FORBIDDEN,
                    "change the first password before anything else: POST /api/password");
            return false;
        }
        if ((safe ? ADMIN_READS.contains(path) : !OPERATOR_ACTIONS.contains(path)) && !users.isAdmin(session.user)) {
            refuse(response, HttpServletResponse.SC_FORBIDDEN, "an administrator must do this (" + method + " "
                    + path + "): user " + AuthServlets.printable(session.user) + " is an operator. Ask an"
                    + " administrator, or log in as one.");
            return false;
        }
        request.setAttribute(SESSION_ATTRIBUTE, session);
        return true;
    }

    @Override
    public URL getResource(String name) {
        // static files come from the console bundle's web/ folder only (StaticServlet); nothing else is exposed
        return null;
    }

    static void secureHeaders(HttpServletResponse response) {
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-store");
    }

    static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String base = request.getContextPath();
        String path = base != null && uri.startsWith(base) ? uri.substring(base.length()) : uri;
        return path.isEmpty() ? "/" : path;
    }

    static String sessionCookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie c : cookies) {
            if (Sessions.COOKIE.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }

    /**
     * The login has no session to hold a CSRF token, so it accepts only what a cross-site form cannot send: a JSON
     * body (which cross-origin needs a CORS preflight the console never grants) with, when the browser sends one,
     * an Origin equal to the console's own.
     */
    private static boolean isSameOriginJson(HttpServletRequest request) {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return false;
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        String host = request.getHeader("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    private static boolean wantsPage(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return request.getMethod().equals("GET") && accept != null && accept.contains("text/html");
    }

    private static void refuse(HttpServletResponse response, int status, String message) throws IOException {
        response.setStatus(status);
        writeError(response, message);
    }

    static void writeError(HttpServletResponse response, String message) throws IOException {
        response.setContentType("application/json;charset=utf-8");
        response.getOutputStream().write(Json.GSON.toJson(java.util.Map.of("error", message))
                .getBytes(StandardCharsets.UTF_8));
    }
}
