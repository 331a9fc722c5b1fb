package io.pigeon.auth.internal;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

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
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.auth.internal.passwd.PasswordFile;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * Checks CONNECT credentials as Mosquitto 2.0 does with {@code password_file} and {@code allow_anonymous}, except that
 * with {@code allow_anonymous} not set, anonymous clients are admitted from this machine only.
 * <ul>
 * <li>No user name: admitted according to allow_anonymous, else NOT_AUTHORIZED.</li>
 * <li>A user name and a password file: the password must match the user's hash, else BAD_CREDENTIALS (unknown
 * users too). While the password file has never loaded, NOT_AUTHORIZED.</li>
 * <li>A user name and no password file: nothing to check it against, so the client counts as anonymous (as in
 * Mosquitto).</li>
 * </ul>
 * Refusals are logged with the client id and address, never the password.
 * <p>
 * Threads: {@link #authenticate} runs on broker event loops and only reads volatile state; configuration changes and
 * file reloads run on SCR's thread (io.pigeon.config watches the file and updates its digest, see
 * {@link FileDigests}), SIGHUP reloads on the launcher's signal thread.
 */
@Component(service = Authenticator.class, configurationPid = "io.pigeon.broker",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = AuthConfig.class)
public final class PasswordAuthenticator implements Authenticator {

    static final String OPEN_UP = "add a user with `bin/pigeon passwd etc/passwd USER` and set `password_file` in"
            + " etc/pigeon.conf, or set `allow_anonymous true`";

    private record Settings(AnonymousPolicy anonymous, Path passwordFile) {
    }

    private final Logger log;
    private Settings settings;
    private volatile AnonymousPolicy anonymous;
    private volatile LoadedFile<PasswordFile> passwords;
    private final boolean global;
    private volatile boolean perListener;
    /** The listeners' own settings by listener PID, used with per_listener_settings true. */
    private final Map<String, ListenerSecurity> listeners = new ConcurrentHashMap<>();

    @Activate
    public PasswordAuthenticator(AuthConfig config, FileDigests digests,
            @Reference(service = LoggerFactory.class) Logger log) {
        this(config, digests, log, true);
    }

    /**
     * @param global true for the registered service, which hands clients to their listener's checks under
     *               per_listener_settings; false for those checks themselves ({@link ListenerSecurity})
     */
    PasswordAuthenticator(AuthConfig config, FileDigests digests, Logger log, boolean global) {
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
        AnonymousPolicy policy;
        try {
            policy = AnonymousPolicy.of(config.allow_anonymous());
        } catch (IllegalArgumentException e) {
            log.error("{}: anonymous clients are refused until it is fixed in etc/pigeon.conf.", e.getMessage());
            policy = AnonymousPolicy.NOBODY;
        }
        String file = config.password_file().strip();
        Settings next = new Settings(policy, file.isEmpty() ? null : Path.of(file));
        boolean changed = !next.equals(settings);
        boolean fileChanged = settings == null || !Objects.equals(settings.passwordFile, next.passwordFile);
        settings = next;
        anonymous = policy;
        perListener = global && config.per_listener_settings();
        if (fileChanged) {
            passwords = null;
            if (next.passwordFile != null) {
                passwords = new LoadedFile<>(next.passwordFile, digests.password_file_digest(), "password file",
                        PasswordFile::read, f -> f.users().size() + " user(s)",
                        "Clients with a user name are refused until it is fixed.", log);
            }
        } else if (passwords != null) {
            passwords.follow(digests.password_file_digest());
        }
        if (changed && policy == AnonymousPolicy.LOOPBACK_ONLY && !config.per_listener_settings()) {
            log.info("allow_anonymous is not set: anonymous clients may connect from this machine only. To let other"
                    + " machines in, {}.", OPEN_UP);
        }
    }

    /** Reads the password file again (for SIGHUP); false when it is not configured or was refused. */
    public boolean reload() {
        LoadedFile<PasswordFile> file = passwords;
        return file != null && file.reload();
    }

    @Override
    public Result authenticate(ClientIdentity client, byte[] password) {
        if (perListener && !client.listener().isEmpty()) {
            ListenerSecurity own = listeners.get(client.listener());
            PasswordAuthenticator check = own == null ? null : own.passwords();
            return check == null ? ListenerSecurity.unknownListener(client, log) : check.authenticate(client, password);
        }
        String user = client.username();
        LoadedFile<PasswordFile> file = passwords;
        if (user == null || file == null) {
            return anonymous(client);
        }
        PasswordFile current = file.current();
        if (current == null) {
            log.warn("Refused client {} from {} (user {}): the password file {} could not be loaded (see the error"
                    + " above). Fix it; it is read again when saved.", client.clientId(), from(client),
                    user, file.file());
            return Result.NOT_AUTHORIZED;
        }
        if (password == null) {
            log.info("Refused client {} from {}: user {} sent no password.", client.clientId(),
                    from(client), user);
            current.verify(user, new byte[0]);
            return Result.BAD_CREDENTIALS;
        }
        if (current.verify(user, password)) {
            return Result.ACCEPT;
        }
        log.info("Refused client {} from {}: {} for user {}.", client.clientId(), from(client),
                current.contains(user) ? "wrong password" : "unknown user", user);
        return Result.BAD_CREDENTIALS;
    }

    /** "192.0.2.7:4000", with " on listener io.pigeon.listener~8883" when the listener has its own settings. */
    private String from(ClientIdentity client) {
        return global || client.listener().isEmpty() ? client.remoteAddress()
                : client.remoteAddress() + " on listener " + client.listener();
    }

    private Result anonymous(ClientIdentity client) {
        AnonymousPolicy policy = anonymous;
        if (policy.admits(client.remoteAddress())) {
            return Result.ACCEPT;
        }
        String as = client.username() == null ? "anonymous client"
                : "client (user " + client.username() + " is not checked without a password file, so it counts as"
                        + " anonymous)";
        if (policy == AnonymousPolicy.NOBODY) {
            log.info("Refused {} {} from {}: allow_anonymous is false. Give it a user name and password from the"
                    + " password file.", as, client.clientId(), from(client));
        } else {
            log.warn("Refused {} {} from {}: anonymous clients may only connect from this machine. To let it in, {}.",
                    as, client.clientId(), from(client), OPEN_UP);
        }
        return Result.NOT_AUTHORIZED;
    }
}
