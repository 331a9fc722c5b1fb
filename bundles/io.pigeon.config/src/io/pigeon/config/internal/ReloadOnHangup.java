package io.pigeon.config.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.pigeon.config.ConfigurationFile;

/**
 * Re-reads etc/pigeon.conf on SIGHUP, as Mosquitto does. The launcher runs every {@link Runnable} service with
 * {@code pigeon.signal=HUP} when the process gets the signal; Runnable is the one type it shares with every bundle.
 */
@Component(service = Runnable.class, property = "pigeon.signal=HUP")
public final class ReloadOnHangup implements Runnable {

    private final ConfigurationFile file;

    @Activate
    public ReloadOnHangup(@Reference ConfigurationFile file) {
        this.file = file;
    }

    @Override
    public void run() {
        file.reload();
    }
}
