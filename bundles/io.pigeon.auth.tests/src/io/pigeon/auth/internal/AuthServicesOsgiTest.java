package io.pigeon.auth.internal;

import static io.pigeon.auth.internal.TestConfigs.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Dictionary;
import java.util.Hashtable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.pigeon.auth.internal.passwd.PasswordFile;
import io.pigeon.auth.internal.passwd.PasswordHash;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.Authenticator.Result;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.config.ConfigurationFile;

/**
 * Inside Equinox: the components are registered as the broker's SPI services with no configuration, and follow PID
 * io.pigeon.broker as io.pigeon.config writes it (allow_anonymous as a Boolean under "allow.anonymous"), including
 * the digest of a password file it watches.
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
        // io.pigeon.config writes the embedded defaults when there is no pigeon.conf: no allow_anonymous either.
        boolean defaults = previous == null || previous.get("allow.anonymous") == null;
        try {
            if (defaults) {
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
        if (defaults) {
            waitFor(() -> authenticator.authenticate(LOCAL, null) == Result.ACCEPT
                    && authenticator.authenticate(REMOTE, null) == Result.NOT_AUTHORIZED,
                    "the loopback-only default is back");
        }
    }

    @Test
    void anEditedPasswordFileTakesEffectThroughTheConfigurationWatcher(@TempDir Path dir) throws Exception {
        Authenticator authenticator = service(Authenticator.class, PasswordAuthenticator.class);
        Path passwd = dir.resolve("passwd");
        writeUser(passwd, "alice", "one");
        Path conf = dir.resolve("pigeon.conf");
        Files.writeString(conf, "allow_anonymous false\npassword_file passwd\n");
        // io.pigeon.config reads pigeon.config when it activates.
        // the bundle that serves the file, not the API bundle the interface comes from
        Bundle config = context.getServiceReference(ConfigurationFile.class).getBundle();
        System.setProperty("pigeon.config", conf.toString());
        try {
            config.stop();
            config.start();
            waitFor(() -> login(authenticator, "alice", "one") == Result.ACCEPT, "the password file applies");

            writeUser(passwd, "alice", "two");
            waitFor(() -> login(authenticator, "alice", "two") == Result.ACCEPT, "the edited password file applies");
            assertEquals(Result.BAD_CREDENTIALS, login(authenticator, "alice", "one"));
        } finally {
            System.clearProperty("pigeon.config");
            config.stop();
            config.start();
        }
        waitFor(() -> authenticator.authenticate(LOCAL, null) == Result.ACCEPT, "the embedded defaults are back");
    }

    private static void writeUser(Path file, String user, String password) throws Exception {
        PasswordFile.empty().withUser(user, PasswordHash.create(password.getBytes(StandardCharsets.UTF_8),
                PasswordHash.DEFAULT_ITERATIONS, new SecureRandom())).write(file);
    }

    private static Result login(Authenticator authenticator, String user, String password) {
        return authenticator.authenticate(new ClientIdentity("osgi-test", user, "192.0.2.7:40000", 4),
                password.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void hangupReloadIsRegisteredForTheLauncher() throws Exception {
        Runnable hup = service(Runnable.class, HangupReload.class);
        var references = context.getServiceReferences(Runnable.class, "(pigeon.signal=HUP)");
        // io.pigeon.config registers its own for pigeon.conf.
        assertEquals(1, references.stream().filter(r -> r.getBundle().equals(context.getBundle())).count(),
                "one Runnable with pigeon.signal=HUP from io.pigeon.auth");
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
