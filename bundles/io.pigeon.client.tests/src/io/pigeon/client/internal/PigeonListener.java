package io.pigeon.client.internal;

import java.util.Dictionary;
import java.util.Hashtable;

import io.pigeon.broker.Broker;

import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** A listener of the Pigeon broker in this runtime on a free loopback port, through ConfigAdmin as in the product. */
final class PigeonListener implements AutoCloseable {

    final int port;
    private final Configuration config;

    PigeonListener() throws Exception {
        port = Mosquitto.freePort();
        config = Osgi.service(ConfigurationAdmin.class, null).createFactoryConfiguration("io.pigeon.listener", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("port", port);
        props.put("bind.address", "127.0.0.1");
        config.update(props);
        if (!listening(3000)) {
            // When another program on this machine holds 1883, the broker's unconfigured default listener fails
            // to activate, and Felix SCR then never hands the factory configuration to that failed instance. With
            // the configuration present at start, the broker opens only the configured listener.
            Bundle broker = Osgi.brokerBundle();
            broker.stop();
            broker.start();
            if (!listening(Osgi.TIMEOUT_MS)) {
                throw new AssertionError("the Pigeon broker does not listen on " + port);
            }
        }
    }

    private boolean listening(long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            if (Osgi.registered(Broker.class, null)
                    && Osgi.service(Broker.class, null).listeners().stream().anyMatch(l -> l.endsWith(":" + port))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    String uri() {
        return "mqtt://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        config.delete();
    }
}
