package io.pigeon.auth.internal;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

import org.osgi.service.log.Logger;

/**
 * A password or ACL file kept loaded: read at creation and again when io.pigeon.config reports a new digest of its
 * content ({@link #follow}) or on SIGHUP ({@link #reload}). A version that cannot be read or has a bad line is refused
 * with the file:line and the fix in the log, and the previous version stays in force. {@link #current()} is null only
 * while no version has ever loaded, and callers then refuse access.
 * <p>
 * Threads: {@link #current()} from any thread (broker event loops); loads on SCR's thread (activation and
 * {@code @Modified}) or the SIGHUP thread, never two at once.
 */
final class LoadedFile<T> {

    @FunctionalInterface
    interface Loader<T> {
        T load(Path file, String source) throws IOException, FileFormatException;
    }

    private final Path file;
    private final String what;
    private final Loader<T> loader;
    private final Function<T, String> summary;
    private final String refusedMeans;
    private final Logger log;
    private volatile T current;
    private String digest;

    /**
     * @param digest       io.pigeon.config's digest of the content, see {@link FileDigests}
     * @param what         "password file" or "ACL file"
     * @param refusedMeans what happens while no version has loaded, for the error message
     */
    LoadedFile(Path file, String digest, String what, Loader<T> loader, Function<T, String> summary,
            String refusedMeans, Logger log) {
        this.file = file;
        this.digest = digest;
        this.what = what;
        this.loader = loader;
        this.summary = summary;
        this.refusedMeans = refusedMeans;
        this.log = log;
        reload();
    }

    T current() {
        return current;
    }

    Path file() {
        return file;
    }

    /** Reads the file again when {@code next} differs from the digest of the content last seen. */
    synchronized void follow(String next) {
        if (!next.equals(digest)) {
            digest = next;
            reload();
        }
    }

    /** Reads the file again; false (and the previous version kept) when it cannot be used. */
    synchronized boolean reload() {
        String keep = current == null ? refusedMeans : "The previous version stays in force.";
        try {
            T loaded = loader.load(file, file.toString());
            boolean first = current == null;
            current = loaded;
            log.info("{} the {} {}: {}.", first ? "Loaded" : "Reloaded", what, file, summary.apply(loaded));
            return true;
        } catch (FileFormatException e) {
            log.error("The {} is refused: {} {}", what, e.getMessage(), keep);
        } catch (NoSuchFileException e) {
            log.error("The {} {} does not exist. Create it or fix the path in etc/pigeon.conf. {}", what, file, keep);
        } catch (IOException e) {
            log.error("Cannot read the {} {}: {}. Give the gateway's user read access to it. {}", what, file,
                    e.toString(), keep);
        }
        return false;
    }
}
