package io.pigeon.store.internal;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

/** A Logger that records "level: message" lines, so tests can assert what users will read. */
public final class LogCapture {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger;

    public LogCapture() {
        logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.startsWith("is")) {
                        return Boolean.TRUE;
                    }
                    if (name.equals("getName")) {
                        return "test";
                    }
                    if (name.equals("hashCode")) {
                        return System.identityHashCode(proxy);
                    }
                    if (name.equals("equals")) {
                        return proxy == args[0];
                    }
                    if (name.equals("toString")) {
                        return "LogCapture";
                    }
                    if (args != null && args.length > 0 && args[0] instanceof String s) {
                        lines.add(name + ": " + s);
                    }
                    return null;
                });
    }

    public Logger logger() {
        return logger;
    }

    public List<String> lines() {
        return lines;
    }

    public boolean contains(String level, String fragment) {
        return lines.stream().anyMatch(l -> l.startsWith(level + ":") && l.contains(fragment));
    }
}
