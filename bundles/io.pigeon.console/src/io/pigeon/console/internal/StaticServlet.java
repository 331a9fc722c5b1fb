package io.pigeon.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;
import java.util.regex.Pattern;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.console.ConsoleContext;

/**
 * The pages and their scripts, from the bundle's {@code web/} folder: {@code /} is the explorer, {@code /login} the
 * login form, {@code /NAME} the page {@code web/NAME.html} (gateway, traffic, gpio, ...), {@code /static/*} the
 * scripts, style sheets and the browser libraries unpacked from WebJars at build time. Registered as the context's default servlet, so an unknown
 * path also passes {@link ConsoleSecurity} (401 without a session) before it gets 404.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/", "/login", "/static/*"})
@HttpWhiteboardContextSelect(ConsoleContext.SELECT)
@HttpWhiteboardTarget(ConsoleContext.TARGET)
public final class StaticServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final Map<String, String> TYPES = Map.of("html", "text/html;charset=utf-8", "js",
            "text/javascript;charset=utf-8", "css", "text/css;charset=utf-8", "svg", "image/svg+xml");

    /** A page name: lower-case words, so a path can never leave {@code web/}. */
    private static final Pattern PAGE = Pattern.compile("/[a-z]+(-[a-z]+)*");

    private final transient Bundle bundle;

    @Activate
    public StaticServlet(BundleContext context) {
        this.bundle = context.getBundle();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = ConsoleSecurity.path(request);
        String file = switch (path) {
            case "/", "/index.html" -> "index.html";
            case "/login" -> "login.html";
            default -> path.startsWith("/static/") && path.indexOf("..") < 0 && path.indexOf('\\') < 0
                    ? path.substring(1) : PAGE.matcher(path).matches() ? path.substring(1) + ".html" : null;
        };
        String extension = file == null ? "" : file.substring(file.lastIndexOf('.') + 1);
        URL entry = file == null || !TYPES.containsKey(extension) ? null : bundle.getEntry("web/" + file);
        if (entry == null) {
            ApiServlet.fail(response, HttpServletResponse.SC_NOT_FOUND, "no such page: " + path);
            return;
        }
        response.setContentType(TYPES.get(extension));
        try (InputStream in = entry.openStream()) {
            in.transferTo(response.getOutputStream());
        }
    }
}
