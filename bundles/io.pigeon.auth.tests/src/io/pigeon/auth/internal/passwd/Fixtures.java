package io.pigeon.auth.internal.passwd;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/** Reference files from the test bundle's resources/ folder. */
final class Fixtures {

    /**
     * Made once with Debian's mosquitto_passwd 2.0.11:
     * {@code mosquitto_passwd -c -b F alice secret; mosquitto_passwd -H sha512 -b F bob hunter2;
     * mosquitto_passwd -b F carol 'pässwörd €'}.
     */
    static final String MOSQUITTO_PASSWD = "resources/mosquitto/passwd";

    private Fixtures() {
    }

    /** Copies a fixture to {@code dir} and returns the copy. */
    static Path copy(String name, Path dir) throws IOException {
        Path target = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
        try (InputStream in = open(name)) {
            Files.copy(in, target);
        }
        return target;
    }

    private static InputStream open(String name) throws IOException {
        InputStream in = Fixtures.class.getResourceAsStream("/" + name);
        if (in != null) {
            return in;
        }
        // In Tycho's test runtime the fragment's resources/ folder is not on the class path, only in the bundle.
        Bundle host = FrameworkUtil.getBundle(Fixtures.class);
        int slash = name.lastIndexOf('/');
        Enumeration<URL> found = host.findEntries(name.substring(0, slash), name.substring(slash + 1), false);
        if (found == null || !found.hasMoreElements()) {
            throw new IOException("test fixture " + name + " not found in the test bundle");
        }
        return found.nextElement().openStream();
    }
}
