package io.pigeon.deploy.internal;

import java.io.File;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.Manifest;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.pigeon.deploy.DeployException;

/**
 * Takes the jars in FileInstall's folders whose symbolic name is already installed from somewhere else (the product's
 * plugins/, the console) and hands them to the {@link BundleDeployerComponent}, which updates that bundle in place,
 * and undoes that update when the file is removed. FileInstall on its own would install a jar of another version as a
 * second bundle of the same name; jars of new symbolic names stay FileInstall's (installed, updated and uninstalled
 * with their file).
 */
@Component(service = ArtifactInstaller.class)
public final class DeployFolderInstaller implements ArtifactInstaller {

    /** Longest wait for one deployment; the refresh of the broker's dependants takes a few seconds. */
    static final long DEPLOY_TIMEOUT_SECONDS = 120;

    private final BundleContext context;
    private final BundleDeployerComponent deployer;
    private final Logger log;

    @Activate
    public DeployFolderInstaller(BundleContext context, @Reference BundleDeployerComponent deployer,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.deployer = deployer;
        this.log = log;
    }

    @Override
    public boolean canHandle(File artifact) {
        if (!artifact.getName().endsWith(".jar") || !artifact.isFile()) {
            return false;
        }
        String name;
        try {
            Manifest m = BundleDeployerComponent.manifest(artifact.toPath(), artifact.getPath());
            name = BundleDeployerComponent.symbolicName(m, artifact.getPath());
        } catch (DeployException e) {
            return false; // not a bundle: FileInstall reports it as it always has
        }
        String fileInstallLocation = artifact.toURI().normalize().toString();
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                // a bundle FileInstall installed from this very file stays FileInstall's
                return !fileInstallLocation.equals(b.getLocation());
            }
        }
        return false;
    }

    @Override
    public void install(File artifact) {
        deploy(artifact);
    }

    @Override
    public void update(File artifact) {
        deploy(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        String origin = BundleDeployerComponent.origin(artifact.toPath());
        try {
            deployer.removedFromFolder(artifact.toPath()).toCompletableFuture().get(DEPLOY_TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            log.error("{} was removed, and undoing its update failed: {}", origin, e.getCause().getMessage());
        } catch (TimeoutException e) {
            log.warn("The update {} made is still being undone after {} s; its result will be logged when it is"
                    + " done.", origin, DEPLOY_TIMEOUT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deploys and logs a refusal itself: an exception would make FileInstall retry the same jar at every poll. */
    private void deploy(File artifact) {
        String origin = BundleDeployerComponent.origin(artifact.toPath());
        try {
            deployer.deployFromFolder(artifact.toPath()).toCompletableFuture().get(DEPLOY_TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            log.error("Refused {}: {}", artifact, e.getCause().getMessage());
        } catch (TimeoutException e) {
            log.warn("{} is still being deployed after {} s; its result will be logged when it is done.", origin,
                    DEPLOY_TIMEOUT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
