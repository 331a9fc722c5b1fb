package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.osgi.framework.BundleContext;

/**
 * The console's folder for persistent state: {@code <pigeon.data>/console} in the product (bin/pigeon sets
 * {@code pigeon.data} to the product's {@code data/}), the bundle's own data area elsewhere (tests). Created
 * readable by the owner only, since it holds password hashes and the first admin password.
 */
final class DataFolder {

    private DataFolder() {
    }

    static Path of(BundleContext context) throws IOException {
        String data = context.getProperty("pigeon.data");
        Path folder = data != null && !data.isBlank() ? Path.of(data, "console")
                : context.getDataFile("console").toPath();
        Files.createDirectories(folder);
        try {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows development machine): nothing stricter to set
        }
        return folder;
    }

    /** Writes a file readable and writable by the owner only (0600), atomically replacing an older one. */
    static void writePrivate(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
