package io.pigeon.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.function.Consumer;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** The product's own bundle jars, re-packed with a higher Bundle-Version: "a newer version" with the same code. */
final class BundleJars {

    private BundleJars() {
    }

    /** The product's jar of this symbolic name in plugins/. */
    static Path productJar(Product product, String symbolicName) throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(product.plugins(), symbolicName + "_*.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        }
        throw new AssertionError("no " + symbolicName + "_*.jar in " + product.plugins());
    }

    static String version(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes().getValue("Bundle-Version");
        }
    }

    /**
     * Copies {@code jar} to {@code out} with the micro version one higher and the qualifier {@code qualifier}
     * (0.1.0.2026... becomes 0.1.1.qualifier); returns the new version.
     */
    static String bumped(Path jar, String qualifier, Path out) throws IOException {
        return bumped(jar, qualifier, out, mf -> {
        });
    }

    /** As {@link #bumped(Path, String, Path)}, with {@code edit} applied to the new manifest too. */
    static String bumped(Path jar, String qualifier, Path out, Consumer<Manifest> edit) throws IOException {
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest mf = new Manifest(in.getManifest());
            edit.accept(mf);
            String[] v = mf.getMainAttributes().getValue("Bundle-Version").split("\\.");
            String version = v[0] + "." + v[1] + "." + (Integer.parseInt(v[2]) + 1) + "." + qualifier;
            mf.getMainAttributes().putValue("Bundle-Version", version);
            Files.createDirectories(out.getParent());
            try (OutputStream file = Files.newOutputStream(out); JarOutputStream j = new JarOutputStream(file, mf)) {
                for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements();) {
                    JarEntry entry = e.nextElement();
                    if (entry.getName().equalsIgnoreCase("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    j.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream data = in.getInputStream(entry)) {
                        data.transferTo(j);
                    }
                    j.closeEntry();
                }
            }
            return version;
        }
    }
}
