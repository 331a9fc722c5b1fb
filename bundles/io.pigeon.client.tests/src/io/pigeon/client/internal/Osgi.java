package io.pigeon.client.internal;

import java.util.Collection;
import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** Finds services and waits for asynchronous effects, each wait bounded. */
final class Osgi {

    static final long TIMEOUT_MS = 10_000;

    private Osgi() {
    }

    static BundleContext context() {
        return FrameworkUtil.getBundle(Osgi.class).getBundleContext();
    }

    /** The broker's implementation bundle, to stop and start the broker (Broker.class is io.pigeon.broker.api's). */
    static Bundle brokerBundle() {
        for (Bundle b : context().getBundles()) {
            if ("io.pigeon.broker".equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("io.pigeon.broker is not installed");
    }

    /** The service of {@code type} matching {@code filter} (null for any), waiting up to the timeout. */
    static <T> T service(Class<T> type, String filter) throws InterruptedException {
        T[] found = waitForService(type, filter, TIMEOUT_MS);
        if (found == null) {
            throw new AssertionError(type.getSimpleName() + " " + (filter == null ? "" : filter)
                    + " not registered within " + TIMEOUT_MS + " ms");
        }
        return found[0];
    }

    /** Whether a service of {@code type} matching {@code filter} is registered now. */
    static boolean registered(Class<?> type, String filter) {
        try {
            return !context().getServiceReferences(type, filter).isEmpty();
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] waitForService(Class<T> type, String filter, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        BundleContext context = context();
        while (System.currentTimeMillis() < end) {
            try {
                Collection<ServiceReference<T>> refs = context.getServiceReferences(type, filter);
                if (!refs.isEmpty()) {
                    T service = context.getService(refs.iterator().next());
                    if (service != null) {
                        T[] out = (T[]) java.lang.reflect.Array.newInstance(type, 1);
                        out[0] = service;
                        return out;
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
            Thread.sleep(20);
        }
        return null;
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        waitFor(condition, what, TIMEOUT_MS);
    }

    static void waitFor(BooleanSupplier condition, String what, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
