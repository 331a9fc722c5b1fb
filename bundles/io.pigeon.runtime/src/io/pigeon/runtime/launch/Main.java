package io.pigeon.runtime.launch;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.core.runtime.adaptor.EclipseStarter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The JVM entry point that {@code bin/pigeon} runs. It starts Equinox through {@link EclipseStarter} (so the
 * product's {@code configuration/config.ini} decides what is installed), logs the start-up line, stops the
 * framework cleanly on SIGTERM, and turns the framework's stop into the process exit code.
 *
 * <p>Runs outside the framework on the main thread; it sees only packages of the framework jar, so bundle
 * services are reached by their service properties, never by their classes.
 */
public final class Main {
    /** Exit code a bundle sets (system property) before it stops the framework because start-up must not go on. */
    static final String EXIT_CODE_PROPERTY = "eclipse.exitcode";
    /** Services of type Runnable with this property set to a signal name are run when the process gets it. */
    static final String SIGNAL_PROPERTY = "pigeon.signal";
    /** Service property with which the broker advertises its listeners, e.g. {@code mqtt://0.0.0.0:1883}. */
    static final String LISTENERS_PROPERTY = "pigeon.listeners";
    private static final long STOP_TIMEOUT_MILLIS = 5_000;
    private static final long LISTENER_WAIT_MILLIS = 10_000;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        BundleContext context = EclipseStarter.startup(args, null);
        Framework framework = (Framework) context.getBundle(0);
        Logger log = logger(context);
        Thread stopOnSignal = new Thread(() -> stop(framework, log), "pigeon-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        forwardSignal("HUP", context, log);

        // A bundle that refused start-up (a bad etc/pigeon.conf) has set the exit code and is stopping the framework.
        if (framework.getState() == Bundle.ACTIVE && System.getProperty(EXIT_CODE_PROPERTY) == null) {
            boolean brokerInstalled = brokerInstalled(context);
            List<String> listeners = waitForListeners(context, brokerInstalled);
            long startedMillis = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            String where = !listeners.isEmpty() ? String.join(", ", listeners)
                    : brokerInstalled ? "nothing: no listener could be opened (see the errors above)"
                    : "nothing (no broker installed)";
            log.info("Pigeon {} started in {} ms; listening on {}", version(context), startedMillis, where);
        }

        FrameworkEvent stopped = framework.waitForStop(0);
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnSignal);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running: the JVM exits on its own once it returns.
            return;
        }
        System.exit(exitCode(stopped));
    }

    private static void stop(Framework framework, Logger log) {
        if ((framework.getState() & (Bundle.ACTIVE | Bundle.STARTING)) == 0) {
            return;
        }
        log.info("Stopping Pigeon (signal received)");
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT_MILLIS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                log.warn("Bundles did not stop within {} ms; exiting anyway", STOP_TIMEOUT_MILLIS);
            }
        } catch (BundleException e) {
            log.error("Could not stop the framework cleanly", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the whiteboard of {@code Runnable} services registered for the signal (SIGHUP: re-read the configuration,
     * password and ACL files). Where the JVM does not let us handle the signal, reloads still follow file changes.
     */
    private static void forwardSignal(String name, BundleContext context, Logger log) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                log.info("SIG{} received: re-reading the configuration", name);
                try {
                    ServiceReference<?>[] refs = context.getServiceReferences(Runnable.class.getName(),
                            "(" + SIGNAL_PROPERTY + "=" + name + ")");
                    for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                        Runnable action = (Runnable) context.getService(ref);
                        try {
                            action.run();
                        } finally {
                            context.ungetService(ref);
                        }
                    }
                } catch (InvalidSyntaxException | RuntimeException e) {
                    log.error("Handling SIG{} failed: {}", name, e.toString(), e);
                }
            });
        } catch (IllegalArgumentException unsupported) {
            log.warn("This JVM does not let Pigeon handle SIG{}; configuration files are still watched for edits",
                    name);
        }
    }

    private static int exitCode(FrameworkEvent stopped) {
        if (stopped.getType() == FrameworkEvent.ERROR) {
            return 1;
        }
        String code = System.getProperty(EXIT_CODE_PROPERTY, "0");
        try {
            return Integer.parseInt(code.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static boolean brokerInstalled(BundleContext context) {
        for (Bundle bundle : context.getBundles()) {
            if ("io.pigeon.broker".equals(bundle.getSymbolicName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits until the broker's service advertises its listeners, if a broker bundle is installed at all and the
     * framework is not being stopped (a configuration error at start-up stops it).
     */
    private static List<String> waitForListeners(BundleContext context, boolean brokerInstalled)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LISTENER_WAIT_MILLIS);
        List<String> listeners = new ArrayList<>();
        do {
            listeners.clear();
            try {
                ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(" + LISTENERS_PROPERTY + "=*)");
                if (refs != null) {
                    for (ServiceReference<?> ref : refs) {
                        Object value = ref.getProperty(LISTENERS_PROPERTY);
                        if (value instanceof String[] array) {
                            listeners.addAll(List.of(array));
                        } else if (value != null) {
                            listeners.add(value.toString());
                        }
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            } catch (IllegalStateException frameworkStopping) {
                return listeners;
            }
            if (!listeners.isEmpty() || !brokerInstalled || framework(context).getState() != Bundle.ACTIVE) {
                return listeners;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return listeners;
    }

    private static Framework framework(BundleContext context) {
        return (Framework) context.getBundle(0);
    }

    private static String version(BundleContext context) {
        for (Bundle bundle : context.getBundles()) {
            if ("io.pigeon.runtime".equals(bundle.getSymbolicName())) {
                return bundle.getVersion().toString();
            }
        }
        return "unknown";
    }

    private static Logger logger(BundleContext context) {
        ServiceReference<LoggerFactory> ref = context.getServiceReference(LoggerFactory.class);
        return context.getService(ref).getLogger("io.pigeon.runtime");
    }
}
