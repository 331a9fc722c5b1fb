package io.pigeon.auth.internal;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.auth.internal.acl.AclFile;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * Topic access from {@code acl_file} with Mosquitto 2.0's rules (see {@link AclFile}); without an ACL file every
 * client may use every topic. While a configured ACL file has never loaded, everything is refused.
 * <p>
 * The broker calls {@link #canPublish} for each PUBLISH, will and retained message a client sends,
 * {@link #canSubscribe} for each SUBSCRIBE entry, and {@link #canReceive} before delivering each message (retained
 * ones included), which is where Mosquitto applies read rules and what makes an ACL reload reach existing
 * subscriptions.
 * <p>
 * Threads: the checks run on broker event loops and only read volatile state; configuration changes and file reloads
 * run on SCR's thread (io.pigeon.config watches the file and updates its digest, see {@link FileDigests}), SIGHUP
 * reloads on the launcher's signal thread.
 */
@Component(service = Authorizer.class, configurationPid = "io.pigeon.broker",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
public final class AclAuthorizer implements Authorizer {

    private final Logger log;
    private Path configured;
    private boolean activated;
    private volatile LoadedFile<AclFile> acl;
    private final boolean global;
    private volatile boolean perListener;
    /** The listeners' own settings by listener PID, used with per_listener_settings true. */
    private final Map<String, ListenerSecurity> listeners = new ConcurrentHashMap<>();

    private static final AclFile.Decision NO_ACL_FILE = new AclFile.Decision(true, "no acl_file is configured");
    private static final AclFile.Decision NOT_LOADED = new AclFile.Decision(false,
            "the acl_file could not be read; fix it (see the error above)");

    @Activate
    public AclAuthorizer(AuthConfig config, FileDigests digests,
            @Reference(service = LoggerFactory.class) Logger log) {
        this(config, digests, log, true);
    }

    /**
     * @param global true for the registered service, which hands clients to their listener's checks under
     *               per_listener_settings; false for those checks themselves ({@link ListenerSecurity})
     */
    AclAuthorizer(AuthConfig config, FileDigests digests, Logger log, boolean global) {
        this.log = log;
        this.global = global;
        apply(config, digests);
    }

    @Modified
    synchronized void modified(AuthConfig config, FileDigests digests) {
        apply(config, digests);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindListener(ListenerSecurity listener) {
        listeners.put(listener.listener(), listener);
    }

    void unbindListener(ListenerSecurity listener) {
        listeners.remove(listener.listener(), listener);
    }

    private synchronized void apply(AuthConfig config, FileDigests digests) {
        perListener = global && config.per_listener_settings();
        String file = config.acl_file().strip();
        Path next = file.isEmpty() ? null : Path.of(file);
        if (activated && Objects.equals(next, configured)) {
            if (acl != null) {
                acl.follow(digests.acl_file_digest());
            }
            return;
        }
        activated = true;
        configured = next;
        acl = null;
        if (next != null) {
            acl = new LoadedFile<>(next, digests.acl_file_digest(), "ACL file", AclFile::read,
                    a -> a.userCount() + " user block(s), " + a.patternCount() + " pattern(s)"
                            + (a.hasAnonymousRules() ? ", rules for anonymous clients" : ""),
                    "Every publish and subscription is refused until it is fixed.", log);
        }
    }

    /** Reads the ACL file again (for SIGHUP); false when it is not configured or was refused. */
    public boolean reload() {
        LoadedFile<AclFile> file = acl;
        return file != null && file.reload();
    }

    @Override
    public boolean canPublish(ClientIdentity client, String topic) {
        if (perListener && !client.listener().isEmpty()) {
            AclAuthorizer own = own(client);
            return own != null && own.canPublish(client, topic);
        }
        AclFile.Decision d = decide(rules -> rules.canWrite(client.clientId(), client.username(), topic));
        if (!d.allowed()) {
            log.debug("Denied PUBLISH from {} ({}) to '{}': {}.", client.clientId(), user(client), topic, d.reason());
        }
        return d.allowed();
    }

    @Override
    public boolean canSubscribe(ClientIdentity client, String topicFilter) {
        if (perListener && !client.listener().isEmpty()) {
            AclAuthorizer own = own(client);
            return own != null && own.canSubscribe(client, topicFilter);
        }
        AclFile.Decision d = decide(rules -> rules.canSubscribe(client.clientId(), client.username(), topicFilter));
        LoadedFile<AclFile> file = acl;
        if (!d.allowed() && file != null) {
            log.info("Denied SUBSCRIBE from {} ({}) to '{}': {} in {}.", client.clientId(), user(client),
                    topicFilter, d.reason(), file.file());
        }
        return d.allowed();
    }

    /**
     * May a message on {@code topic} be delivered to this client? Mosquitto checks read access here, for every
     * message including retained ones; a subscription to a wide filter only receives what this allows.
     */
    @Override
    public boolean canReceive(ClientIdentity client, String topic) {
        if (perListener && !client.listener().isEmpty()) {
            AclAuthorizer own = own(client);
            return own != null && own.canReceive(client, topic);
        }
        AclFile.Decision d = decide(rules -> rules.canRead(client.clientId(), client.username(), topic));
        if (!d.allowed()) {
            log.debug("Not delivering '{}' to {} ({}): {}.", topic, client.clientId(), user(client), d.reason());
        }
        return d.allowed();
    }

    /**
     * Applies a rule check to the ACL in force: without an acl_file everything is allowed; with one that never
     * loaded, nothing is (fail closed).
     */
    private AclFile.Decision decide(Function<AclFile, AclFile.Decision> check) {
        LoadedFile<AclFile> file = acl;
        if (file == null) {
            return NO_ACL_FILE;
        }
        AclFile rules = file.current();
        return rules == null ? NOT_LOADED : check.apply(rules);
    }

    /** The ACL of the client's listener; null (everything refused) when it is not loaded. */
    private AclAuthorizer own(ClientIdentity client) {
        ListenerSecurity listener = listeners.get(client.listener());
        AclAuthorizer own = listener == null ? null : listener.acl();
        if (own == null) {
            log.warn("Refused topic access to {} from {}: per_listener_settings is true, but the security settings of"
                    + " its listener {} are not loaded (yet).", client.clientId(), client.remoteAddress(),
                    client.listener());
        }
        return own;
    }

    private static String user(ClientIdentity client) {
        return client.username() == null ? "anonymous" : "user " + client.username();
    }
}
