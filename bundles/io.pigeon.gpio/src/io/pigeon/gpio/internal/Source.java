package io.pigeon.gpio.internal;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where a configuration came from, for log lines: the .cfg file and the PID, and the name the file gives it
 * ({@code io.pigeon.gpio.pin-door.cfg} names the pin {@code door}).
 */
public record Source(String file, String pid) {

    public static Source of(String fileInstallFilename, String pid) {
        String file = "";
        pid = pid == null ? "" : pid;
        if (fileInstallFilename != null && !fileInstallFilename.isBlank()) {
            try {
                file = Path.of(URI.create(fileInstallFilename)).toString();
            } catch (RuntimeException e) {
                file = fileInstallFilename;
            }
        }
        return new Source(file, pid);
    }

    /** The NAME of {@code <factory-pid>-NAME.cfg}, else the part of the PID after '~', else empty. */
    public String defaultName(String factoryPid) {
        if (!file.isEmpty()) {
            String base = Path.of(file).getFileName().toString();
            if (base.endsWith(".cfg")) {
                base = base.substring(0, base.length() - 4);
            }
            if (base.startsWith(factoryPid + "-")) {
                return base.substring(factoryPid.length() + 1);
            }
        }
        int tilde = pid.indexOf('~');
        return tilde >= 0 ? pid.substring(tilde + 1) : "";
    }

    @Override
    public String toString() {
        return file.isEmpty() ? "PID " + pid : file + " (PID " + pid + ")";
    }
}
