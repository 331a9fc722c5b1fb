package io.pigeon.deploy;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/**
 * The one way jars get into the running gateway: {@code deploy/} (through FileInstall) and the console's upload both
 * call {@link #deploy}. Operations run one at a time, in the order they were asked for; each returned stage completes
 * when the bundle is installed or updated, its dependants are refreshed and it is started again, or completes
 * exceptionally with a {@link DeployException} whose message says what to do.
 */
@ProviderType
public interface BundleDeployer {

    /**
     * Installs {@code jar} as a new bundle and starts it, or, when a bundle of the same symbolic name is installed,
     * updates that bundle in place (same bundle id) with it, keeping the replaced jar for {@link #restore}. A jar
     * with a lower version than the installed one, a jar that is not a bundle, the framework and the deployer itself
     * are refused. The jar is read before the stage completes; the caller may delete it afterwards.
     *
     * @param jar the bundle jar
     * @param origin where the jar comes from, for the log ("deploy/x.jar", "console upload by admin")
     */
    CompletionStage<Deployment> deploy(Path jar, String origin);

    /**
     * Puts the jar the last update of this bundle replaced back in place (same bundle id), and moves the jars in
     * FileInstall's folders (deploy/) that would deploy the newer version again at the next start out of them, into
     * data/deploy/set-aside/, so that the restored jar is what runs after a restart.
     */
    CompletionStage<Deployment> restore(long bundleId, String origin);

    /** The version {@link #restore} would put back, if a replaced jar of this bundle is kept. */
    Optional<Version> restorableVersion(long bundleId);

    /**
     * Why this bundle is not resolved or not active though it should be: the resolver's report for a bundle that
     * does not resolve, the exception of its last failed start; empty when there is nothing wrong to tell.
     */
    Optional<String> problem(Bundle bundle);

    /** Largest jar {@link #deploy} accepts, in bytes (configuration {@code maxJarBytes}). */
    long maxJarBytes();
}
