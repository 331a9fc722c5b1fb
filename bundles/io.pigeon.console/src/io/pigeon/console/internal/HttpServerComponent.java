package io.pigeon.console.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.Objects;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.eclipse.equinox.http.jetty.JettyConfigurator;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.console.ConsoleContext;

/**
 * Runs the console's own Jetty server: turns {@link ConsoleConfig} into the settings of Equinox's
 * {@link JettyConfigurator}, which starts (or restarts) one Jetty with the HTTP Whiteboard on the configured port,
 * marked {@code other.info=}{@value ConsoleContext#SERVER} so that only the console's registrations are served there.
 * <p>
 * Equinox's Jetty bundle also starts a default server of its own when it is started eagerly, as the product and the
 * test runtimes do; they set {@code org.eclipse.equinox.http.jetty.http.enabled=false} so that server has no
 * connector, and this is the gateway's only HTTP port.
 */
@Component(configurationPid = ConsoleConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = {})
@Designate(ocd = ConsoleConfig.class)
public final class HttpServerComponent {

    /** The server's id for {@link JettyConfigurator}. */
    static final String SERVER_ID = "pigeon-console";

    private final BundleContext context;
    private final Logger log;
    private Dictionary<String, Object> applied;

    @Activate
    public HttpServerComponent(ConsoleConfig config, Map<String, Object> properties, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        if (waitsForItsFile(properties)) {
            return;
        }
        apply(config);
    }

    @Modified
    synchronized void modified(ConsoleConfig config, Map<String, Object> properties) {
        if (waitsForItsFile(properties)) {
            stopServer();
            return;
        }
        apply(config);
    }

    /**
     * With no configuration yet but an {@code etc/io.pigeon.console.cfg} on disk, the console waits for FileInstall to
     * apply that file (it starts after the console) instead of opening the default port 8080 for a moment: a user who
     * set {@code port=0} or another port must not find 8080 open at every start. If FileInstall refuses the file, its
     * log says why and the console stays off.
     */
    private boolean waitsForItsFile(Map<String, Object> properties) {
        if (properties.containsKey(Constants.SERVICE_PID)) {
            return false;
        }
        Path etc = ConfigForms.etcFolder(context.getProperty("felix.fileinstall.dir"));
        Path file = etc == null ? null : etc.resolve(ConsoleConfig.PID + ".cfg");
        if (file == null || !Files.exists(file)) {
            return false;
        }
        log.info("HTTP console waits for {} to be applied before it opens its port", file);
        return true;
    }

    @Deactivate
    synchronized void deactivate() {
        stopServer();
    }

    private synchronized void apply(ConsoleConfig config) {
        Dictionary<String, Object> settings;
        try {
            settings = jettySettings(config);
        } catch (IllegalArgumentException | IOException e) {
            log.error("HTTP console not started: {}. Fix the setting; the console stays off until then.",
                    e.getMessage());
            stopServer();
            return;
        }
        if (settings == null) {
            log.info("HTTP console is off (PID {} port = 0)", ConsoleConfig.PID);
            stopServer();
            return;
        }
        if (applied != null && sameSettings(applied, settings)) {
            return;
        }
        String where = config.bind_address().isBlank() ? "every interface" : config.bind_address();
        int port = config.port();
        boolean ours = applied != null && samePortAndHost(applied, settings);
        if (!ours && !portFree(config.bind_address(), port)) {
            log.error("HTTP console not started: port {} on {} is in use by another program. Stop that program or "
                    + "set another port (PID {} key port).", port, where, ConsoleConfig.PID);
            stopServer();
            return;
        }
        try {
            JettyConfigurator.startServer(SERVER_ID, settings);
            applied = settings;
            log.info("HTTP console on {}://{}:{}", Boolean.TRUE.equals(settings.get("https.enabled")) ? "https" : "http",
                    config.bind_address().isBlank() ? "0.0.0.0" : config.bind_address(), port);
        } catch (Exception e) {
            // JettyConfigurator reports a failed start (port taken meanwhile, unreadable key store) as Exception
            log.error("HTTP console not started: Jetty refused the settings ({}). Check the port and the TLS files "
                    + "(PID {}).", e.toString(), ConsoleConfig.PID);
            stopServer();
        }
    }

    private Dictionary<String, Object> jettySettings(ConsoleConfig config) throws IOException {
        int port = config.port();
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(PidText.key("port", port) + " is not a TCP port; use 1..65535, or 0 "
                    + "to turn the console off");
        }
        if (port == 0) {
            return null;
        }
        String host = config.bind_address().strip();
        if (!host.isEmpty()) {
            try {
                InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(PidText.key("bind.address", host)
                        + " is not an address of this machine; use an IP address such as 127.0.0.1, or leave it empty "
                        + "for every interface", e);
            }
        }
        String certificate = config.tls_certificate().strip();
        String key = config.tls_key().strip();
        if (certificate.isEmpty() != key.isEmpty()) {
            throw new IllegalArgumentException("TLS needs both " + PidText.key("tls.certificate", certificate)
                    + " and " + PidText.key("tls.key", key) + "; set both, or neither for plain HTTP");
        }
        Dictionary<String, Object> s = new Hashtable<>();
        s.put("other.info", ConsoleContext.SERVER);
        s.put("context.sessioninactiveinterval", Integer.valueOf(config.session_idle_minutes() * 60));
        s.put("http.minThreads", Integer.valueOf(4));
        s.put("http.maxThreads", Integer.valueOf(40));
        if (certificate.isEmpty()) {
            s.put("http.enabled", Boolean.TRUE);
            s.put("http.port", Integer.valueOf(port));
            s.put("https.enabled", Boolean.FALSE);
            if (!host.isEmpty()) {
                s.put("http.host", host);
            }
            return s;
        }
        for (String[] file : new String[][] {{"tls.certificate", certificate}, {"tls.key", key}}) {
            if (!Files.isReadable(Path.of(file[1]))) {
                throw new IllegalArgumentException(PidText.key(file[0], file[1])
                        + " cannot be read; give the path of a PEM file this user can read");
            }
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Path store = DataFolder.of(context).resolve("tls.p12");
        TlsKeyStore.write(Path.of(certificate), Path.of(key), store, password.toCharArray());
        s.put("http.enabled", Boolean.FALSE);
        s.put("https.enabled", Boolean.TRUE);
        s.put("https.port", Integer.valueOf(port));
        if (!host.isEmpty()) {
            s.put("https.host", host);
        }
        s.put("ssl.keystore", store.toString());
        s.put("ssl.keystoretype", "PKCS12");
        s.put("ssl.password", password);
        s.put("ssl.keypassword", password);
        s.put("pigeon.tls.source", certificate + "|" + key);
        return s;
    }

    /** Same server settings, ignoring the key store's fresh random password. */
    private static boolean sameSettings(Dictionary<String, Object> a, Dictionary<String, Object> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (var keys = a.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (!k.startsWith("ssl.") && !Objects.equals(a.get(k), b.get(k))) {
                return false;
            }
        }
        // a TLS server is restarted so it reads the certificate files again
        return !Boolean.TRUE.equals(a.get("https.enabled"));
    }

    private static boolean samePortAndHost(Dictionary<String, Object> a, Dictionary<String, Object> b) {
        for (String k : new String[] {"http.port", "http.host", "https.port", "https.host"}) {
            if (!Objects.equals(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }

    private static boolean portFree(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(host.isBlank() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void stopServer() {
        applied = null;
        try {
            JettyConfigurator.stopServer(SERVER_ID);
        } catch (Exception e) {
            log.warn("Could not stop the console's HTTP server: {}", e.toString());
        }
    }
}
