package io.pigeon.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.console.ConsoleContext;
import io.pigeon.deploy.BundleDeployer;
import io.pigeon.deploy.DeployException;
import io.pigeon.deploy.Deployment;

/**
 * The Bundles page: the list with each bundle's state and, for one that does not resolve or start, the reason; start,
 * stop, uninstall; upload a jar (installed, or updating the bundle of its symbolic name in place) and restore the jar
 * an update replaced. Upload and restore go through the same {@link BundleDeployer} as deploy/.
 */
final class BundleServlets {

    /** Longest wait for an upload or restore, which includes restarting the bundles wired to the updated one. */
    static final long DEPLOY_TIMEOUT_SECONDS = 120;

    /**
     * How long a request waits for a deployment that restarts the console itself: long enough for the deployer's
     * refusals (not a jar, older, nothing to restore), which come before any bundle stops.
     */
    static final long REFUSAL_WAIT_SECONDS = 2;

    private BundleServlets() {
    }

    static final class IdRequest {
        Long id;
    }

    static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }

    static Map<String, Object> json(Bundle b, BundleDeployer deployer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.getBundleId());
        m.put("symbolicName", b.getSymbolicName());
        m.put("version", b.getVersion().toString());
        m.put("state", state(b));
        m.put("fragment", b.getHeaders("").get(Constants.FRAGMENT_HOST) != null);
        deployer.problem(b).ifPresent(p -> m.put("problem", p));
        deployer.restorableVersion(b.getBundleId()).ifPresent(v -> m.put("restorableVersion", v.toString()));
        return m;
    }

    static Map<String, Object> json(Deployment d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.bundleId());
        m.put("symbolicName", d.symbolicName());
        m.put("action", d.action().name());
        d.previousVersion().ifPresent(v -> m.put("previousVersion", v.toString()));
        m.put("version", d.version().toString());
        m.put("refreshed", d.refreshed());
        d.problem().ifPresent(p -> m.put("problem", p));
        return m;
    }

    static Bundle bundle(BundleContext context, IdRequest r) throws ApiServlet.BadRequest {
        if (r.id == null) {
            throw new ApiServlet.BadRequest("send {\"id\": bundle id}");
        }
        Bundle b = context.getBundle(r.id);
        if (b == null) {
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_NOT_FOUND, "there is no bundle " + r.id
                    + "; reload the list");
        }
        return b;
    }

    /** Waits for a deployment and answers with it, or with the deployer's refusal. */
    static void answer(HttpServletResponse response, CompletionStage<Deployment> stage) throws IOException,
            ApiServlet.BadRequest {
        try {
            ApiServlet.ok(response, json(stage.toCompletableFuture().get(DEPLOY_TIMEOUT_SECONDS, TimeUnit.SECONDS)));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeployException) {
                throw new ApiServlet.BadRequest(HttpServletResponse.SC_CONFLICT, e.getCause().getMessage());
            }
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            ApiServlet.send(response, HttpServletResponse.SC_ACCEPTED, Map.of("message", "still deploying after "
                    + DEPLOY_TIMEOUT_SECONDS + " s; the gateway log will say when it is done"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "interrupted");
        }
    }

    /**
     * Answers for a deployment that stops the console's own bundle: the console itself, or a bundle it is wired to
     * (an API bundle, a library such as Gson or H2), whose package refresh restarts the console. The refresh waits for
     * the console's requests to end, so this one must not wait for the deployment: only a refusal, which comes before
     * anything stops, is answered as such; otherwise 202.
     */
    static void answerForSelf(HttpServletResponse response, CompletionStage<Deployment> stage) throws IOException,
            ApiServlet.BadRequest {
        try {
            stage.toCompletableFuture().get(REFUSAL_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeployException) {
                throw new ApiServlet.BadRequest(HttpServletResponse.SC_CONFLICT, e.getCause().getMessage());
            }
        } catch (TimeoutException e) {
            // the deployment goes on, and restarts the console
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ApiServlet.send(response, HttpServletResponse.SC_ACCEPTED, Map.of("message", "the console restarts with this"
                + " deployment; reload the page in a few seconds (you will have to log in again); the gateway log"
                + " and this page then say how it went"));
    }

    /** Whether refreshing {@code target} restarts the console's own bundle (it is {@code target} or wired to it). */
    static boolean restartsTheConsole(BundleContext context, Bundle target) {
        if (target == null) {
            return false;
        }
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        return wiring.getDependencyClosure(List.of(target)).contains(context.getBundle());
    }

    /** The installed bundle with this symbolic name, or null. */
    static Bundle installed(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName != null && symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** {@code GET /api/bundles}: every bundle, by id. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/bundles")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class BundleList extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BundleContext context;
        private final transient BundleDeployer deployer;

        @Activate
        public BundleList(BundleContext context, @Reference BundleDeployer deployer) {
            this.context = context;
            this.deployer = deployer;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Bundle b : context.getBundles()) {
                list.add(json(b, deployer));
            }
            ok(response, Map.of("bundles", list, "maxJarBytes", deployer.maxJarBytes()));
        }
    }

    /** {@code POST /api/bundles/start} {"id"}. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/bundles/start")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Start extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BundleContext context;
        private final transient BundleDeployer deployer;

        @Activate
        public Start(BundleContext context, @Reference BundleDeployer deployer) {
            this.context = context;
            this.deployer = deployer;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Bundle b = bundle(context, body(request, IdRequest.class));
            if (b.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                throw new BadRequest(HttpServletResponse.SC_CONFLICT, b.getSymbolicName() + " is a fragment: it is"
                        + " not started but attached to its host bundle");
            }
            try {
                b.start();
            } catch (BundleException | IllegalStateException e) {
                throw new BadRequest(HttpServletResponse.SC_CONFLICT, b.getSymbolicName() + " did not start: "
                        + deployer.problem(b).orElse(e.getMessage()));
            }
            ok(response, json(b, deployer));
        }
    }

    /** {@code POST /api/bundles/stop} {"id"}; not the framework, not the console itself. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/bundles/stop")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Stop extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BundleContext context;
        private final transient BundleDeployer deployer;

        @Activate
        public Stop(BundleContext context, @Reference BundleDeployer deployer) {
            this.context = context;
            this.deployer = deployer;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Bundle b = bundle(context, body(request, IdRequest.class));
            refuseVital(b, context, "stopped");
            try {
                b.stop();
            } catch (BundleException | IllegalStateException e) {
                throw new BadRequest(HttpServletResponse.SC_CONFLICT, b.getSymbolicName() + " did not stop cleanly: "
                        + e.getMessage());
            }
            ok(response, json(b, deployer));
        }
    }

    /** {@code POST /api/bundles/uninstall} {"id"}; not the framework, not the console itself. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/bundles/uninstall")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Uninstall extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BundleContext context;

        @Activate
        public Uninstall(BundleContext context) {
            this.context = context;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Bundle b = bundle(context, body(request, IdRequest.class));
            refuseVital(b, context, "uninstalled");
            try {
                b.uninstall();
            } catch (BundleException | IllegalStateException e) {
                throw new BadRequest(HttpServletResponse.SC_CONFLICT, b.getSymbolicName() + " was not uninstalled: "
                        + e.getMessage());
            }
            ok(response, Map.of("id", b.getBundleId(), "state", state(b)));
        }
    }

    static void refuseVital(Bundle b, BundleContext context, String what) throws ApiServlet.BadRequest {
        if (b.getBundleId() == 0) {
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_CONFLICT, "the OSGi framework (bundle 0) cannot be " + what
                    + ": it runs every other bundle, so the gateway would stop. Stop the gateway with bin/pigeon's"
                    + " service manager (SIGTERM) instead.");
        }
        if (b.equals(context.getBundle())) {
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_CONFLICT, b.getSymbolicName() + " is this console: once "
                    + what + " it could not be started again from here. Use the Gogo shell (bin/pigeon --console).");
        }
        String serves = servesConsole(b, context);
        if (serves != null) {
            throw new ApiServlet.BadRequest(HttpServletResponse.SC_CONFLICT, b.getSymbolicName() + " " + serves
                    + ": once " + what + " this page would stop answering and could not start it again. Use the Gogo"
                    + " shell (bin/pigeon --console).");
        }
    }

    /** Services the console's components cannot run without, by the interface they are registered under. */
    private static final String[] CONSOLE_RUNTIME = {"org.osgi.service.component.runtime.ServiceComponentRuntime",
        "org.osgi.service.http.runtime.HttpServiceRuntime", "org.osgi.service.cm.ConfigurationAdmin",
        "io.pigeon.deploy.BundleDeployer"};

    /** Why the console cannot do without {@code b}, or null: it runs the console's components or serves its packages. */
    private static String servesConsole(Bundle b, BundleContext context) {
        for (String service : CONSOLE_RUNTIME) {
            try {
                ServiceReference<?>[] refs = context.getServiceReferences(service, null);
                for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                    if (b.equals(r.getBundle())) {
                        return "runs this console (it provides " + service.substring(service.lastIndexOf('.') + 1)
                                + ")";
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e); // no filter is given
            }
        }
        BundleWiring wiring = context.getBundle().adapt(BundleWiring.class);
        if (wiring != null) {
            for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                if (b.equals(w.getProvider().getBundle())) {
                    return "gives this console the package " + w.getCapability().getAttributes()
                            .get(PackageNamespace.PACKAGE_NAMESPACE);
                }
            }
        }
        return null;
    }

    /**
     * {@code POST /api/bundles/upload}, the jar as the raw body (Content-Type application/java-archive or
     * application/octet-stream): a new symbolic name is installed and started, a known one updates that bundle in
     * place.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/bundles/upload")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Upload extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BundleContext context;
        private final transient BundleDeployer deployer;

        @Activate
        public Upload(BundleContext context, @Reference BundleDeployer deployer) {
            this.context = context;
            this.deployer = deployer;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            String type = request.getContentType() == null ? "" : request.getContentType().toLowerCase(Locale.ROOT);
            if (!type.startsWith("application/java-archive") && !type.startsWith("application/octet-stream")
                    && !type.startsWith("application/x-java-archive")) {
                throw new BadRequest(HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "send the jar itself as the body"
                        + " (Content-Type: application/java-archive)");
            }
            long max = deployer.maxJarBytes();
            if (request.getContentLengthLong() > max) {
                throw new BadRequest(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "the jar is larger than the "
                        + max + " bytes the gateway accepts (maxJarBytes of PID io.pigeon.deploy)");
            }
            Path uploads = DataFolder.of(context).resolve("uploads");
            Files.createDirectories(uploads);
            Path jar = Files.createTempFile(uploads, "upload-", ".jar");
            boolean handedOver = false;
            try {
                // counted while copied, since a chunked body has no Content-Length: an endless body never fills the disk
                try (InputStream in = request.getInputStream(); OutputStream out = Files.newOutputStream(jar)) {
                    byte[] buffer = new byte[65536];
                    long total = 0;
                    for (int n; (n = in.read(buffer)) > 0;) {
                        total += n;
                        if (total > max) {
                            throw new BadRequest(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "the jar is larger"
                                    + " than the " + max + " bytes the gateway accepts (maxJarBytes of PID"
                                    + " io.pigeon.deploy)");
                        }
                        out.write(buffer, 0, n);
                    }
                }
                String origin = "a console upload by " + AuthServlets.printable(session(request).user);
                Bundle target = installed(context, symbolicName(jar)); // read before the deployer deletes the jar
                CompletionStage<Deployment> stage = deployer.deploy(jar, origin);
                handedOver = true;
                stage.whenComplete((d, e) -> deleteQuietly(jar));
                if (restartsTheConsole(context, target)) {
                    answerForSelf(response, stage);
                } else {
                    answer(response, stage);
                }
            } finally {
                if (!handedOver) {
                    deleteQuietly(jar);
                }
            }
        }
    }

    /** {@code POST /api/bundles/restore} {"id"}: puts back the jar the last update of this bundle replaced. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/bundles/restore")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Restore extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient BundleContext context;
        private final transient BundleDeployer deployer;

        @Activate
        public Restore(BundleContext context, @Reference BundleDeployer deployer) {
            this.context = context;
            this.deployer = deployer;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Bundle b = bundle(context, body(request, IdRequest.class));
            CompletionStage<Deployment> stage = deployer.restore(b.getBundleId(), "a console restore by "
                    + AuthServlets.printable(session(request).user));
            if (restartsTheConsole(context, b)) {
                answerForSelf(response, stage);
            } else {
                answer(response, stage);
            }
        }
    }

    /** The jar's symbolic name, or null when it has none (the deployer then refuses it with the reason). */
    static String symbolicName(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest m = file.getManifest();
            String name = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return name == null ? null : name.split(";", 2)[0].strip();
        } catch (IOException e) {
            return null;
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a left-over upload in data/console/uploads is harmless and replaced by the next one's name
        }
    }
}
