package io.pigeon.config.internal;

import java.util.Map;

/**
 * A configuration the file produces: a singleton PID ({@code factoryPid} null) or a named factory configuration
 * ({@code factoryPid~name}).
 */
record GeneratedConfig(String factoryPid, String name, Map<String, Object> properties) {

    static final String BROKER_PID = "io.pigeon.broker";
    static final String LOGGING_PID = "io.pigeon.logging";
    static final String LISTENER_FACTORY_PID = "io.pigeon.listener";
    static final String BRIDGE_FACTORY_PID = "io.pigeon.bridge";
    static final String GENERATED = "pigeon.generated";
    static final String SOURCE = "config.source";
    static final String SOURCES = "config.sources";
    /**
     * Added to the key of a setting that names a file (password_file: "password.file.digest"): the SHA-256 of the
     * file's content in hex, so that editing the file updates the configuration.
     */
    static final String DIGEST_SUFFIX = ".digest";

    /** The PID Configuration Admin gives it: {@code name} or {@code factoryPid~name}. */
    String pid() {
        return factoryPid == null ? name : factoryPid + "~" + name;
    }
}
