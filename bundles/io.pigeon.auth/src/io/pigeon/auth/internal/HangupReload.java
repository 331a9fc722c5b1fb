package io.pigeon.auth.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authorizer;

/**
 * Reads the password and ACL files again when the gateway gets SIGHUP, as Mosquitto does: the launcher runs
 * every {@code Runnable} service with {@code pigeon.signal=HUP}. io.pigeon.config also watches the files (see
 * {@link FileDigests}), so this matters where file events are lost (network file systems, editors that replace the
 * directory entry late) or where the settings come from elsewhere than etc/pigeon.conf.
 * <p>
 * Threads: {@link #run} runs on the launcher's signal thread; the references are volatile.
 */
@Component(service = Runnable.class, property = "pigeon.signal=HUP", immediate = true)
public final class HangupReload implements Runnable {

    private final Logger log;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(component.name=io.pigeon.auth.internal.PasswordAuthenticator)")
    private volatile Authenticator authenticator;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(component.name=io.pigeon.auth.internal.AclAuthorizer)")
    private volatile Authorizer authorizer;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile java.util.List<ListenerSecurity> listeners;

    @Activate
    public HangupReload(@Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
    }

    @Override
    public void run() {
        boolean passwords = authenticator instanceof PasswordAuthenticator p && p.reload();
        boolean acl = authorizer instanceof AclAuthorizer a && a.reload();
        java.util.List<ListenerSecurity> own = listeners;
        if (own != null) {
            own.forEach(ListenerSecurity::reload);
        }
        log.info("SIGHUP: password file {}, ACL file {}.", passwords ? "reloaded" : "not reloaded (none configured"
                + " or it has errors, see above)", acl ? "reloaded" : "not reloaded (none configured or it has"
                + " errors, see above)");
    }
}
