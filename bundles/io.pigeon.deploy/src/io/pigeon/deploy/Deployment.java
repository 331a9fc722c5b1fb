package io.pigeon.deploy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.osgi.framework.Version;

/**
 * What a {@link BundleDeployer} operation did.
 *
 * @param bundleId the installed or updated bundle's id (the same before and after an update)
 * @param symbolicName its symbolic name
 * @param action what was done
 * @param previousVersion the version before the operation, empty for a new bundle
 * @param version the version now installed
 * @param refreshed symbolic names of the bundles a package refresh stopped and started again (the updated bundle and
 *        those wired to it), empty when no refresh was needed
 * @param problem why the bundle did not resolve or start afterwards, empty when it is fine
 */
public record Deployment(long bundleId, String symbolicName, Action action, Optional<Version> previousVersion,
        Version version, List<String> refreshed, Optional<String> problem) {

    /** What a deployment did. */
    public enum Action {
        /** A bundle of a new symbolic name was installed. */
        INSTALLED,
        /** The installed bundle of that symbolic name was updated in place. */
        UPDATED,
        /** The jar is the one already installed: nothing was changed. */
        UNCHANGED,
        /** The jar replaced by the last update was put back. */
        RESTORED
    }

    public Deployment {
        Objects.requireNonNull(symbolicName);
        Objects.requireNonNull(action);
        Objects.requireNonNull(previousVersion);
        Objects.requireNonNull(version);
        refreshed = List.copyOf(refreshed);
        Objects.requireNonNull(problem);
    }
}
