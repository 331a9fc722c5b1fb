package io.pigeon.console.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@value #PID}: where the console listens. As for every DS configuration, an underscore in a
 * method name is a dot in the key: {@code port}, {@code bind.address}, {@code tls.certificate}, {@code tls.key},
 * {@code session.idle.minutes}.
 */
@ObjectClassDefinition(name = "Pigeon HTTP console",
        description = "The web console: its HTTP(S) port and address, and TLS.")
public @interface ConsoleConfig {

    String PID = "io.pigeon.console";

    @AttributeDefinition(name = "Port", description = "TCP port of the console (HTTPS when a certificate is set). 0 turns the console off.",
            min = "0", max = "65535")
    int port() default 8080;

    @AttributeDefinition(name = "Bind address",
            description = "IP address to listen on; empty for every interface (every route needs a login).")
    String bind_address() default "";

    @AttributeDefinition(name = "TLS certificate", description = "PEM file with the server certificate (and its chain); "
            + "with the key, the console serves HTTPS only. Empty for plain HTTP.")
    String tls_certificate() default "";

    @AttributeDefinition(name = "TLS key", description = "PEM file with the certificate's unencrypted PKCS#8 private key "
            + "(\"BEGIN PRIVATE KEY\").")
    String tls_key() default "";

    @AttributeDefinition(name = "Session idle timeout (minutes)", min = "1")
    int session_idle_minutes() default 30;
}
