package io.pigeon.auth.internal;

import java.util.Map;

import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.ClientIdentity;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * One listener's own {@code allow_anonymous}, {@code password_file} and {@code acl_file} under Mosquitto's
 * {@code per_listener_settings true}: one instance per {@code io.pigeon.listener} configuration, with the same checks
 * as the broker-wide ones. The registered {@link PasswordAuthenticator} and {@link AclAuthorizer} hand a client to the
 * instance of the listener it connected through ({@link ClientIdentity#listener()}). Without per_listener_settings
 * (io.pigeon.config then puts no {@code per.listener.settings} on the listener) an instance holds nothing and reads no
 * file.
 * <p>
 * Threads: checks run on broker event loops and read volatile state; configuration changes run on SCR's thread.
 */
@Component(service = ListenerSecurity.class, configurationPid = "io.pigeon.listener",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
public final class ListenerSecurity {

    /** The checks of a listener whose security settings are its own. */
    private record Checks(PasswordAuthenticator passwords, AclAuthorizer acl) {
    }

    private final String listener;
    private final Logger log;
    private volatile Checks checks;

    @Activate
    public ListenerSecurity(AuthConfig config, FileDigests digests, Map<String, Object> properties,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.listener = String.valueOf(properties.get(Constants.SERVICE_PID));
        this.log = log;
        apply(config, digests);
    }

    @Modified
    synchronized void modified(AuthConfig config, FileDigests digests) {
        apply(config, digests);
    }

    private synchronized void apply(AuthConfig config, FileDigests digests) {
        Checks current = checks;
        if (!config.per_listener_settings()) {
            checks = null;
        } else if (current == null) {
            checks = new Checks(new PasswordAuthenticator(config, digests, log, false),
                    new AclAuthorizer(config, digests, log, false));
        } else {
            current.passwords().modified(config, digests);
            current.acl().modified(config, digests);
        }
    }

    /** The configuration PID of the listener, as the broker puts it in {@link ClientIdentity#listener()}. */
    String listener() {
        return listener;
    }

    /** The listener's own checks, or null when its security settings are the broker-wide ones. */
    PasswordAuthenticator passwords() {
        Checks c = checks;
        return c == null ? null : c.passwords();
    }

    AclAuthorizer acl() {
        Checks c = checks;
        return c == null ? null : c.acl();
    }

    /** Reads the listener's password and ACL files again (SIGHUP). */
    void reload() {
        Checks c = checks;
        if (c != null) {
            c.passwords().reload();
            c.acl().reload();
        }
    }

    /** The refusal when a client's listener has no security settings loaded (yet): fail closed, and say so. */
    static Authenticator.Result unknownListener(ClientIdentity client, Logger log) {
        log.warn("Refused client {} from {}: per_listener_settings is true, but the security settings of its"
                + " listener {} are not loaded (yet). Check the listener section in etc/pigeon.conf.",
                client.clientId(), client.remoteAddress(), client.listener());
        return Authenticator.Result.NOT_AUTHORIZED;
    }
}
