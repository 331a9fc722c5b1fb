package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.eclipse.equinox.log.SynchronousLogListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;
import org.osgi.util.tracker.ServiceTracker;

import io.pigeon.deploy.BundleDeployer;
import io.pigeon.deploy.Deployment;

/**
 * An update of io.pigeon.client that takes the gateway's MqttClient away while the bridge is activating on another
 * thread (e2e run 147: at start-up, the deployer undid a client update while the start-level thread started
 * io.pigeon.gpio). Felix SCR 2.2.18 loses the activation when the service goes away between its satisfaction check
 * and the registration of the bridge's service: the bridge stays satisfied, never active. The test makes that
 * interleaving certain: with SCR's debug log of the bridge on, a synchronous log listener holds the activating thread
 * right after "satisfied" until the deployer's update has stopped the client, and holds the update before it starts the
 * client again until the activation has failed.
 */
class GpioBridgeUpdateRaceOsgiTest {

    static final String BRIDGE = GpioBridge.class.getName();
    static final long TIMEOUT_S = 20;

    @TempDir
    Path dir;

    @Test
    void aClientUpdateDuringTheBridgesActivationLeavesTheBridgeActive() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(getClass()).getBundleContext();
        ServiceComponentRuntime scr = service(context, ServiceComponentRuntime.class);
        BundleDeployer deployer = service(context, BundleDeployer.class);
        LoggerAdmin loggerAdmin = service(context, LoggerAdmin.class);
        LogReaderService logReader = service(context, LogReaderService.class);
        Bundle gpio = FrameworkUtil.getBundle(GpioBridge.class);
        Bundle client = bundle(context, "io.pigeon.client");
        ComponentDescriptionDTO bridge = scr.getComponentDescriptionDTO(gpio, BRIDGE);
        assertNotNull(bridge);
        assertTrue(awaitState(scr, bridge, ComponentConfigurationDTO.ACTIVE), "the bridge is not active to begin with");
        Path newer = newerJar(client);

        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch clientStopped = new CountDownLatch(1);
        CountDownLatch activationFailed = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Deployment> update = new CompletableFuture<>();
        SynchronousLogListener hold = entry -> {
            String m = entry.getMessage();
            if (entry.getBundle() != gpio || m == null || !m.contains("[" + BRIDGE + "(")) {
                return;
            }
            if (m.contains("Changed state from unsatisfiedReference to satisfied") && armed.compareAndSet(true, false)) {
                seen.add("satisfied");
                deployer.deploy(newer, "the race test").whenComplete((d, e) -> {
                    if (e != null) {
                        update.completeExceptionally(e);
                    } else {
                        update.complete(d);
                    }
                });
                await(clientStopped);
            } else if (m.contains("Could not obtain all required dependencies")) {
                seen.add("failed");
                activationFailed.countDown();
            }
        };
        SynchronousBundleListener holdUpdate = event -> {
            if (event.getBundle().equals(client) && event.getType() == BundleEvent.UPDATED) {
                clientStopped.countDown();
                await(activationFailed);
            }
        };
        LoggerContext gpioLogs = loggerAdmin.getLoggerContext(gpio.getSymbolicName());
        Map<String, LogLevel> levels = gpioLogs.getLogLevels();
        try {
            scr.disableComponent(bridge).getValue();
            assertTrue(awaitState(scr, bridge, -1), "the bridge was not disabled");
            Map<String, LogLevel> debug = new HashMap<>(levels);
            debug.put(BRIDGE, LogLevel.DEBUG);
            gpioLogs.setLogLevels(debug);
            logReader.addLogListener(hold);
            context.addBundleListener(holdUpdate);
            armed.set(true);
            scr.enableComponent(bridge);

            Deployment d = update.get(2 * TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals(Deployment.Action.UPDATED, d.action());
            assertEquals(List.of("satisfied", "failed"), seen, "the test did not bring about the race");
            assertTrue(awaitState(scr, bridge, ComponentConfigurationDTO.ACTIVE),
                    "the bridge is not active after the client's update: " + states(scr, bridge));
        } finally {
            armed.set(false);
            context.removeBundleListener(holdUpdate);
            logReader.removeLogListener(hold);
            gpioLogs.setLogLevels(levels);
            scr.enableComponent(bridge);
        }
    }

    /** A copy of {@code bundle}'s jar with a higher qualifier, so that the deployer updates to it. */
    private Path newerJar(Bundle bundle) throws Exception {
        Path jar = dir.resolve(bundle.getSymbolicName() + "-newer.jar");
        URL mf = bundle.getEntry("META-INF/MANIFEST.MF");
        Manifest manifest;
        try (InputStream in = mf.openStream()) {
            manifest = new Manifest(in);
        }
        manifest.getMainAttributes().put(new Attributes.Name(Constants.BUNDLE_VERSION), bundle.getVersion() + "x");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            Enumeration<URL> entries = bundle.findEntries("/", "*", true);
            while (entries.hasMoreElements()) {
                URL u = entries.nextElement();
                String name = u.getPath().startsWith("/") ? u.getPath().substring(1) : u.getPath();
                if (name.isEmpty() || name.endsWith("/") || name.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                j.putNextEntry(new JarEntry(name));
                try (InputStream in = u.openStream()) {
                    in.transferTo(j);
                }
                j.closeEntry();
            }
        }
        return jar;
    }

    /** Waits until the one configuration of {@code d} is in {@code state}, or until there is none for -1. */
    private static boolean awaitState(ServiceComponentRuntime scr, ComponentDescriptionDTO d, int state)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            var configs = scr.getComponentConfigurationDTOs(d);
            if (state == -1 ? configs.isEmpty() : configs.size() == 1 && configs.iterator().next().state == state) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static String states(ServiceComponentRuntime scr, ComponentDescriptionDTO d) {
        return scr.getComponentConfigurationDTOs(d).stream().map(c -> c.id + ":" + c.state).toList().toString();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    private static <T> T service(BundleContext context, Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, type, null);
        t.open();
        T s = t.waitForService(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        assertNotNull(s, type.getName() + " is not registered");
        return s;
    }
}
