package io.pigeon.auth.internal;

import static io.pigeon.auth.internal.TestConfigs.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authenticator.Result;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * Inside Equinox: the components are registered as the broker's SPI services with no configuration, and follow PID
 * io.pigeon.broker as io.pigeon.config writes it (allow_anonymous as a Boolean under "allow.anonymous").
 */
class AuthServicesOsgiTest {

    private static final ClientIdentity REMOTE = new ClientIdentity("osgi-test", null, "192.0.2.7:40000", 4);
    private static final ClientIdentity LOCAL = new ClientIdentity("osgi-test", null, "127.0.0.1:40000", 4);

    private final BundleContext context = FrameworkUtil.getBundle(PasswordAuthenticator.class).getBundleContext();

    @Test
    void servicesFollowTheBrokerConfiguration() throws Exception {
        Authenticator authenticator = service(Authenticator.class, PasswordAuthenticator.class);
        Authorizer authorizer = service(Authorizer.class, AclAuthorizer.class);
        assertTrue(authorizer.canPublish(REMOTE, "a/b"), "no acl_file: everything allowed");

        ConfigurationAdmin admin = service(ConfigurationAdmin.class, null);
        Configuration broker = admin.getConfiguration("io.pigeon.broker", "?");
        Dictionary<String, Object> previous = broker.getProperties();
        try {
            if (previous == null) {
                assertEquals(Result.NOT_AUTHORIZED, authenticator.authenticate(REMOTE, null), "loopback-only default");
                assertEquals(Result.ACCEPT, authenticator.authenticate(LOCAL, null));
            }
            Dictionary<String, Object> open = new Hashtable<>();
            open.put("allow.anonymous", Boolean.TRUE);
            broker.update(open);
            waitFor(() -> authenticator.authenticate(REMOTE, null) == Result.ACCEPT, "allow_anonymous true applies");

            Dictionary<String, Object> closed = new Hashtable<>();
            closed.put("allow.anonymous", Boolean.FALSE);
            broker.update(closed);
            waitFor(() -> authenticator.authenticate(LOCAL, null) == Result.NOT_AUTHORIZED,
                    "allow_anonymous false applies");
        } finally {
            if (previous == null) {
                broker.delete();
            } else {
                broker.update(previous);
            }
        }
        if (previous == null) {
            waitFor(() -> authenticator.authenticate(LOCAL, null) == Result.ACCEPT
                    && authenticator.authenticate(REMOTE, null) == Result.NOT_AUTHORIZED,
                    "the loopback-only default is back");
        }
    }

    @Test
    void hangupReloadIsRegisteredForTheLauncher() throws Exception {
        Runnable hup = service(Runnable.class, HangupReload.class);
        var references = context.getServiceReferences(Runnable.class, "(pigeon.signal=HUP)");
        assertEquals(1, references.size(), "one Runnable with pigeon.signal=HUP");
        hup.run();
    }

    private <T> T service(Class<T> type, Class<?> component) throws InterruptedException, InvalidSyntaxException {
        String filter = component == null ? null : "(component.name=" + component.getName() + ")";
        Object[] found = new Object[1];
        waitFor(() -> {
            try {
                var references = context.getServiceReferences(type, filter);
                if (!references.isEmpty()) {
                    ServiceReference<T> reference = references.iterator().next();
                    found[0] = context.getService(reference);
                }
            } catch (InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
            return found[0] != null;
        }, type.getSimpleName() + " is registered");
        assertNotNull(found[0]);
        return type.cast(found[0]);
    }
}
