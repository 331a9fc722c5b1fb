package io.pigeon.console;

/** The console's HTTP Whiteboard servlet context, which enforces login, CSRF and security headers. */
public final class ConsoleContext {

    /** Value of {@code osgi.http.whiteboard.context.name} of the console's context. */
    public static final String NAME = "pigeon.console";

    /** Value for {@code osgi.http.whiteboard.context.select} that puts a servlet or resource behind the console's login. */
    public static final String SELECT = "(osgi.http.whiteboard.context.name=" + NAME + ")";

    /**
     * Value of the HTTP runtime's {@code other.info} property (set on the console's Jetty server), and so of the
     * {@code osgi.http.whiteboard.target} filter the console's registrations use: they are served by the console's
     * server only.
     */
    public static final String SERVER = "io.pigeon.console";

    /** Value for {@code osgi.http.whiteboard.target}. */
    public static final String TARGET = "(other.info=" + SERVER + ")";

    /** Header that carries the session's CSRF token on every state-changing request. */
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private ConsoleContext() {
    }
}
