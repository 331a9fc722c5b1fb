package io.pigeon.gpio.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** A typed configuration as DS makes it, from key/value text: absent keys take the annotation's default. */
final class Configs {

    private Configs() {
    }

    static <A> A of(Class<A> type, Map<String, String> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            String key = method.getName().replace("__", "\0").replace('_', '.').replace('\0', '_');
            if (values.containsKey(key)) {
                return values.get(key);
            }
            return method.getDefaultValue();
        }));
    }
}
