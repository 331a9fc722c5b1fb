package io.pigeon.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import io.pigeon.deploy.BundleDeployer;
import io.pigeon.deploy.DeployException;
import io.pigeon.deploy.Deployment;
import io.pigeon.deploy.Deployment.Action;

/**
 * Installs or updates bundles in place on one thread of its own, so that FileInstall and the console never update
 * the same bundle at once. An update keeps the bundle id: {@link Bundle#update(InputStream)}, then a package refresh
 * of that one bundle, which the framework widens to the bundles wired to it and no further (none at all when no
 * other bundle uses the replaced revision).
 * <p>
 * A jar from deploy/ is remembered as the source of the revision it installed, so that deploy/ says what runs, as
 * with FileInstall's own bundles: removing the file (also while the gateway is stopped) puts back the jar its update
 * replaced, and a restore from the console moves the jars in deploy/ that would install the newer version again at
 * the next start out of the folder.
 */
// immediate: its listeners keep start failures and see FrameworkEvent.STARTED from the start, not from the first use
@Component(service = { BundleDeployer.class, BundleDeployerComponent.class }, immediate = true,
        configurationPid = BundleDeployerComponent.PID)
@Designate(ocd = DeployConfig.class)
public final class BundleDeployerComponent implements BundleDeployer {

    static final String PID = "io.pigeon.deploy";
    /** Location of a bundle of a new symbolic name installed from the console (deploy/ ones are FileInstall's). */
    static final String UPLOAD_LOCATION = "pigeon-deploy:";
    /** Bundles that cannot be updated while the deployer runs on them. */
    static final String FILEINSTALL = "org.apache.felix.fileinstall";
    /** How long a satisfied, inactive immediate component may still be activating before it counts as stranded. */
    static final long STRANDED_WAIT_MILLIS = 500;

    private final BundleContext context;
    private final Logger log;
    private final ResolutionProblems resolution;
    private final FrameworkWiring wiring;
    private final ReplacedJars jars;
    private final DeployConfig config;
    private final ServiceComponentRuntime components;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "pigeon-deploy"));
    /** The exception of the last failed start of a bundle, until it starts. */
    private final Map<Long, String> startFailures = new ConcurrentHashMap<>();
    private final FrameworkListener frameworkErrors = this::frameworkEvent;
    private final BundleListener bundleEvents = this::bundleEvent;
    /**
     * Bundles that ran before a deployment and did not afterwards (a dependant of a bundle whose new jar does not
     * resolve): started again after every later deployment, such as the restore that fixes them.
     */
    private final Set<Long> stoppedByDeployments = ConcurrentHashMap.newKeySet();
    /** Files a restore moved out of deploy/: their removal, which FileInstall reports next, undoes nothing. */
    private final Set<Path> setAsideByRestore = ConcurrentHashMap.newKeySet();
    /** Whether the check for deploy/ files removed while the gateway was stopped has been queued. */
    private final AtomicBoolean removalCheckQueued = new AtomicBoolean();

    @Activate
    public BundleDeployerComponent(BundleContext context, DeployConfig config, @Reference ResolutionProblems resolution,
            @Reference ServiceComponentRuntime components, @Reference(service = LoggerFactory.class) Logger log)
            throws IOException {
        this.context = context;
        this.components = components;
        this.config = config;
        this.resolution = resolution;
        this.log = log;
        this.wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        // the product's data/ (bin/pigeon sets pigeon.data), where an owner backs up the gateway's state
        String data = context.getProperty("pigeon.data");
        this.jars = new ReplacedJars(data != null && !data.isBlank() ? Path.of(data, "deploy")
                : context.getDataFile("deploy").toPath(), config.keepReplaced());
        context.addFrameworkListener(frameworkErrors);
        context.addBundleListener(bundleEvents);
        if (!frameworkStarting(context)) {
            // started after the gateway (else: once the start level is reached, or FileInstall's first call if earlier)
            checkRemovedWhileStopped();
        }
    }

    /**
     * True while the framework is still raising its start level to the beginning level. The system bundle is ACTIVE
     * then already (Equinox starts the bundles after it), so its state alone does not tell: an undo queued now would
     * update bundles on the worker while the start-level thread is still starting the bundles of this level, and a
     * component activating on that thread while a service it needs goes away can be left inactive by Felix SCR.
     */
    static boolean frameworkStarting(BundleContext context) {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        if (system.getState() != Bundle.ACTIVE) {
            return true;
        }
        String beginning = context.getProperty(Constants.FRAMEWORK_BEGINNING_STARTLEVEL);
        if (beginning == null) {
            beginning = context.getProperty("osgi.startLevel");
        }
        try {
            // Equinox's EclipseStarter raises the level to 6 unless osgi.startLevel says otherwise
            int target = beginning == null ? 6 : Integer.parseInt(beginning.strip());
            return system.adapt(FrameworkStartLevel.class).getStartLevel() < target;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(frameworkErrors);
        context.removeBundleListener(bundleEvents);
        worker.shutdownNow();
    }

    @Override
    public CompletionStage<Deployment> deploy(Path jar, String origin) {
        return run(() -> deployNow(jar, origin, null));
    }

    /** {@link #deploy} of a file in one of FileInstall's folders, remembered as the source of what it installs. */
    CompletionStage<Deployment> deployFromFolder(Path file) {
        checkRemovedWhileStopped();
        Path source = file.toAbsolutePath().normalize();
        setAsideByRestore.remove(source); // back in deploy/: its next removal undoes again
        return run(() -> deployNow(source, origin(source), source));
    }

    /**
     * A file FileInstall handed to {@link #deployFromFolder} is gone: when the jar it installed still runs, the jar
     * its update replaced is put back (empty when there was nothing to undo).
     */
    CompletionStage<Optional<Deployment>> removedFromFolder(Path file) {
        checkRemovedWhileStopped();
        Path source = file.toAbsolutePath().normalize();
        return run(() -> removedNow(source));
    }

    @Override
    public CompletionStage<Deployment> restore(long bundleId, String origin) {
        return run(() -> restoreNow(bundleId, origin));
    }

    @Override
    public Optional<Version> restorableVersion(long bundleId) {
        return jars.newest(bundleId).flatMap(jar -> {
            try {
                return Optional.of(version(manifest(jar, jar.toString()), jar.toString()));
            } catch (DeployException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public Optional<String> problem(Bundle bundle) {
        if (isFragment(bundle) || bundle.getState() == Bundle.UNINSTALLED) {
            return Optional.empty();
        }
        if (bundle.getState() == Bundle.INSTALLED) {
            // a resolve attempt makes the resolver write its report now, for this bundle
            wiring.resolveBundles(List.of(bundle));
            if (bundle.getState() == Bundle.INSTALLED) {
                return Optional.of(resolution.reason(bundle).orElse("The framework cannot resolve this bundle; the"
                        + " framework log (logs/framework.log) has the details."));
            }
        }
        if (bundle.getState() == Bundle.RESOLVED) {
            return Optional.ofNullable(startFailures.get(bundle.getBundleId()));
        }
        return Optional.empty();
    }

    @Override
    public long maxJarBytes() {
        return config.maxJarBytes();
    }

    private interface Operation<T> {
        T run() throws DeployException;
    }

    private <T> CompletionStage<T> run(Operation<T> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            worker.execute(() -> {
                try {
                    result.complete(operation.run());
                } catch (DeployException e) {
                    result.completeExceptionally(e);
                } catch (RuntimeException e) {
                    log.error("A deployment failed unexpectedly; the bundles keep their state. Report this with the"
                            + " log.", e);
                    result.completeExceptionally(new DeployException("the deployment failed unexpectedly (" + e
                            + "); the bundles keep their state", e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new DeployException("the deployer is stopping; deploy again once the"
                    + " gateway runs"));
        }
        return result;
    }

    /** @param source the file in deploy/ the jar is, or null for a jar from elsewhere (a console upload) */
    private Deployment deployNow(Path jar, String origin, Path source) throws DeployException {
        long size;
        try {
            size = Files.size(jar);
        } catch (IOException e) {
            throw new DeployException("cannot read " + origin + ": " + e.getMessage() + ". Check that the file exists"
                    + " and is readable.", e);
        }
        if (size > config.maxJarBytes()) {
            throw new DeployException(origin + " has " + size + " bytes, more than the " + config.maxJarBytes()
                    + " the deployer accepts (maxJarBytes of PID " + PID + ")");
        }
        Manifest manifest = manifest(jar, origin);
        String name = symbolicName(manifest, origin);
        Version version = version(manifest, origin);
        Bundle installed = installed(name);
        if (installed == null) {
            return install(jar, origin, name, version);
        }
        refuseSpecial(installed, origin);
        Version old = installed.getVersion();
        if (version.compareTo(old) < 0) {
            throw new DeployException(origin + " is " + name + " " + version + ", older than the installed " + old
                    + " (bundle " + installed.getBundleId() + "); it was not deployed. To go back to the jar an"
                    + " update replaced, use Restore on the console's Bundles page.");
        }
        long id = installed.getBundleId();
        Optional<Path> current = currentJar(installed);
        try {
            if (version.equals(old) && current.isPresent() && ReplacedJars.sameContent(current.get(), jar)) {
                if (source != null) {
                    // the file in deploy/ stands for the running jar now (also at every start): removing it undoes
                    jars.setCurrentSource(id, source);
                }
                return new Deployment(id, name, Action.UNCHANGED, Optional.of(old), old, List.of(), problem(installed));
            }
            if (current.isPresent()) {
                try (InputStream in = Files.newInputStream(current.get())) {
                    jars.keep(id, in, jars.currentSource(id).orElse(null));
                }
            } else {
                log.warn("Cannot read the jar of {} {} (location {}); the update from {} cannot be undone from the"
                        + " console.", name, old, installed.getLocation(), origin);
            }
        } catch (IOException e) {
            throw new DeployException("cannot keep the jar " + name + " " + old + " before updating it (" + e
                    + "); nothing was changed. Check the free space and permissions of the gateway's data folder.", e);
        }
        Deployment d = update(installed, jar, origin, Action.UPDATED, source);
        report(d, origin);
        return d;
    }

    private Deployment restoreNow(long bundleId, String origin) throws DeployException {
        Bundle bundle = context.getBundle(bundleId);
        if (bundle == null) {
            throw new DeployException("there is no bundle " + bundleId + "; reload the list of bundles");
        }
        refuseSpecial(bundle, origin);
        Path replaced = jars.newest(bundleId).orElseThrow(() -> new DeployException("no replaced jar of "
                + bundle.getSymbolicName() + " (bundle " + bundleId + ") is kept: it has not been updated, or every"
                + " kept jar has been restored already"));
        Optional<Path> previousSource = jars.currentSource(bundleId);
        Deployment d = update(bundle, replaced, origin, Action.RESTORED, stillThere(jars.source(replaced), replaced));
        report(d, origin);
        setAsideNewer(d, replaced, previousSource);
        drop(replaced);
        return d;
    }

    /** Undoes the update a file in deploy/ made, now that the file is gone (it is absolute and normalized). */
    private Optional<Deployment> removedNow(Path file) throws DeployException {
        if (setAsideByRestore.remove(file)) {
            return Optional.empty(); // a restore moved it out, and said so
        }
        Map<Long, Path> sources;
        try {
            sources = jars.currentSources();
        } catch (IOException e) {
            throw new DeployException("cannot read the deployer's records (" + e + "), so the update " + origin(file)
                    + " made is not undone; use Restore on the console's Bundles page", e);
        }
        for (Map.Entry<Long, Path> e : sources.entrySet()) {
            Bundle bundle = context.getBundle(e.getKey());
            if (e.getValue().equals(file) && bundle != null) {
                return undo(bundle, file, "the removal of " + origin(file));
            }
        }
        log.info("{} was removed; no bundle runs its jar (a later jar, an upload or a restore replaced it, or it was"
                + " refused), so there is nothing to undo.", origin(file));
        return Optional.empty();
    }

    /**
     * Puts back the newest kept jar of {@code bundle} that deploy/ still stands for: kept jars that came from
     * {@code removed} or from another file no longer there are passed over (and dropped), as FileInstall would have
     * removed their bundles with their files.
     */
    private Optional<Deployment> undo(Bundle bundle, Path removed, String origin) throws DeployException {
        long id = bundle.getBundleId();
        List<Path> passedOver = new ArrayList<>();
        Path target = null;
        for (Path kept : jars.all(id)) {
            Optional<Path> source = jars.source(kept);
            if (source.isPresent() && (source.get().equals(removed) || !Files.isRegularFile(source.get()))) {
                passedOver.add(kept);
            } else {
                target = kept;
                break;
            }
        }
        if (target == null) {
            log.warn("Nothing to undo after {}: no jar that {} (bundle {}) ran before it is kept (keepReplaced of PID"
                    + " {} keeps the last {}), so it keeps running {}. Deploy the version you want into deploy/ or"
                    + " upload it on the console's Bundles page.", origin, bundle.getSymbolicName(), id, PID,
                    config.keepReplaced(), bundle.getVersion());
            try {
                jars.setCurrentSource(id, null);
            } catch (IOException e) {
                log.warn("Could not update the deployer's records of bundle {}: {}", id, e.getMessage());
            }
            return Optional.empty();
        }
        Deployment d = update(bundle, target, origin, Action.RESTORED, stillThere(jars.source(target), target));
        report(d, origin);
        drop(target);
        passedOver.forEach(this::drop);
        return Optional.of(d);
    }

    /** Queues, once, the undo of updates whose file was removed from deploy/ while the gateway was stopped. */
    private void checkRemovedWhileStopped() {
        if (!removalCheckQueued.compareAndSet(false, true)) {
            return;
        }
        run(() -> {
            Map<Long, Path> sources;
            try {
                sources = jars.currentSources();
            } catch (IOException e) {
                log.warn("Cannot read the deployer's records ({}); updates whose jar was removed from deploy/ while"
                        + " the gateway was stopped are not undone. Use Restore on the console's Bundles page.",
                        e.toString());
                return null;
            }
            for (Map.Entry<Long, Path> e : sources.entrySet()) {
                Bundle bundle = context.getBundle(e.getKey());
                if (bundle != null && !Files.exists(e.getValue())) {
                    try {
                        undo(bundle, e.getValue(), "the removal of " + origin(e.getValue()) + " while the gateway"
                                + " was stopped");
                    } catch (DeployException x) {
                        log.error("{} was removed while the gateway was stopped, and undoing its update failed: {}",
                                origin(e.getValue()), x.getMessage());
                    }
                }
            }
            return null;
        });
    }

    /**
     * Moves the jars of the restored bundle in FileInstall's folders that the next start would deploy over the
     * restored one (a higher version, or the same version with other content) into data/deploy/set-aside/.
     */
    private void setAsideNewer(Deployment restored, Path restoredJar, Optional<Path> previousSource) {
        Bundle bundle = context.getBundle(restored.bundleId());
        // a bundle FileInstall installed from a file of its own (a new symbolic name) goes with that file: keep it
        String fileInstallLocation = bundle == null ? null : bundle.getLocation();
        Set<Path> folders = new LinkedHashSet<>(watchedFolders());
        previousSource.map(Path::getParent).ifPresent(folders::add);
        for (Path folder : folders) {
            List<Path> files;
            try (Stream<Path> list = Files.list(folder)) {
                files = list.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f))
                        .map(f -> f.toAbsolutePath().normalize()).toList();
            } catch (IOException e) {
                continue; // a folder that is gone or unreadable holds nothing FileInstall would deploy
            }
            for (Path file : files) {
                if (file.toFile().toURI().normalize().toString().equals(fileInstallLocation)) {
                    continue;
                }
                try {
                    Manifest m = manifest(file, file.toString());
                    Version v = version(m, file.toString());
                    if (!restored.symbolicName().equals(symbolicName(m, file.toString()))
                            || v.compareTo(restored.version()) < 0
                            || v.equals(restored.version()) && ReplacedJars.sameContent(file, restoredJar)) {
                        continue;
                    }
                    setAsideByRestore.add(file);
                    Path to = jars.setAside(file);
                    log.info("Moved {} ({} {}) out of {} to {}, so that the restored {} {} is what runs after a"
                            + " restart. Move it back into {} to deploy it again.", file.getFileName(),
                            restored.symbolicName(), v, folder, to, restored.symbolicName(), restored.version(),
                            folder);
                } catch (DeployException e) {
                    // not a bundle: FileInstall leaves it alone, and so does the restore
                } catch (IOException e) {
                    setAsideByRestore.remove(file);
                    log.warn("Could not move {} out of {} ({}): the next start deploys it over the restored {} {}"
                            + " again. Move it out of {} by hand.", file.getFileName(), folder, e.toString(),
                            restored.symbolicName(), restored.version(), folder);
                }
            }
        }
    }

    /** FileInstall's folders (bin/pigeon sets deploy/ and etc/), from its felix.fileinstall.dir property. */
    private List<Path> watchedFolders() {
        String dirs = context.getProperty("felix.fileinstall.dir");
        List<Path> folders = new ArrayList<>();
        if (dirs != null) {
            for (String d : dirs.split(",")) {
                if (!d.isBlank()) {
                    try {
                        folders.add(Path.of(d.strip()).toAbsolutePath().normalize());
                    } catch (InvalidPathException e) {
                        // FileInstall cannot watch it either
                    }
                }
            }
        }
        return folders;
    }

    /** {@code source} when it is a file in deploy/ that still holds {@code jar}, else null. */
    private static Path stillThere(Optional<Path> source, Path jar) {
        try {
            return source.isPresent() && Files.isRegularFile(source.get())
                    && ReplacedJars.sameContent(source.get(), jar) ? source.get() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void drop(Path keptJar) {
        try {
            jars.drop(keptJar);
        } catch (IOException e) {
            log.warn("Could not delete the kept jar {}: {}. Delete it by hand.", keptJar, e.getMessage());
        }
    }

    /** "deploy/name.jar": a file in one of FileInstall's folders, as the log names it. */
    static String origin(Path file) {
        Path folder = file.getParent();
        return (folder == null || folder.getFileName() == null ? "" : folder.getFileName() + "/") + file.getFileName();
    }

    private Deployment install(Path jar, String origin, String name, Version version) throws DeployException {
        Bundle bundle;
        try (InputStream in = Files.newInputStream(jar)) {
            bundle = context.installBundle(UPLOAD_LOCATION + name, in);
        } catch (BundleException | IOException e) {
            throw new DeployException("cannot install " + origin + " (" + name + " " + version + "): "
                    + e.getMessage(), e);
        }
        try {
            jars.setCurrent(bundle.getBundleId(), jar, null);
        } catch (IOException e) {
            log.warn("Could not keep a copy of {}: {}. A later update of it cannot be undone from the console.",
                    origin, e.getMessage());
        }
        start(bundle);
        Deployment d = new Deployment(bundle.getBundleId(), name, Action.INSTALLED, Optional.empty(), version,
                List.of(), problem(bundle));
        report(d, origin);
        return d;
    }

    /** @param source the file in deploy/ that {@code jar} is (or holds the same as), null when there is none */
    private Deployment update(Bundle bundle, Path jar, String origin, Action action, Path source)
            throws DeployException {
        String name = bundle.getSymbolicName();
        Version old = bundle.getVersion();
        boolean wasActive = (bundle.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
        List<Bundle> activeBefore = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.ACTIVE || stoppedByDeployments.contains(b.getBundleId())) {
                activeBefore.add(b);
            }
        }
        startFailures.remove(bundle.getBundleId());
        try (InputStream in = Files.newInputStream(jar)) {
            // the framework stops the bundle, installs the new content as a new revision and starts it again
            bundle.update(in);
        } catch (BundleException | IOException e) {
            throw new DeployException("updating " + name + " " + old + " (bundle " + bundle.getBundleId() + ") from "
                    + origin + " failed: " + e.getMessage() + ". The bundle keeps version " + bundle.getVersion()
                    + ".", e);
        }
        try {
            jars.setCurrent(bundle.getBundleId(), jar, source);
        } catch (IOException e) {
            log.warn("Could not keep a copy of {}: {}. Deploying the same jar again will update the bundle again.",
                    origin, e.getMessage());
        }
        List<String> refreshed = refresh(bundle);
        if (wasActive && bundle.getState() != Bundle.ACTIVE) {
            start(bundle);
        }
        restart(activeBefore, bundle);
        activateStranded(name);
        return new Deployment(bundle.getBundleId(), name, action, Optional.of(old), bundle.getVersion(), refreshed,
                problem(bundle));
    }

    /**
     * Refreshes the updated bundle and, by the framework's rule, the bundles wired to it, when other bundles still use
     * its replaced revision; none when nothing uses it (the framework dropped that revision in the update).
     */
    private List<String> refresh(Bundle bundle) {
        if (!wiring.getRemovalPendingBundles().contains(bundle)) {
            return List.of();
        }
        Collection<Bundle> closure = wiring.getDependencyClosure(List.of(bundle));
        List<String> names = new ArrayList<>();
        for (Bundle b : closure) {
            names.add(b.getSymbolicName());
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(List.of(bundle), event -> done.countDown());
        try {
            if (!done.await(config.refreshTimeoutSeconds(), TimeUnit.SECONDS)) {
                log.warn("The package refresh of {} after its update has not finished within {} s (refreshTimeoutSeconds"
                        + " of PID {}); the bundles {} may still be restarting.", bundle.getSymbolicName(),
                        config.refreshTimeoutSeconds(), PID, names);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return names;
    }

    /** Starts again what ran before the deployment; remembers and logs what still cannot run. */
    private void restart(List<Bundle> activeBefore, Bundle updated) {
        List<Bundle> stopped = activeBefore.stream().filter(b -> b.getState() != Bundle.ACTIVE
                && b.getState() != Bundle.UNINSTALLED && !b.equals(updated)).toList();
        if (stopped.isEmpty()) {
            return;
        }
        wiring.resolveBundles(stopped);
        for (Bundle b : stopped) {
            start(b);
            if (b.getState() == Bundle.ACTIVE) {
                stoppedByDeployments.remove(b.getBundleId());
            } else {
                stoppedByDeployments.add(b.getBundleId());
                log.error("{} (bundle {}) stopped because it needs {}, and cannot run now: {} Restore {} on the"
                        + " console's Bundles page, or deploy a fixed jar; it is started again after the next"
                        + " deployment.", b.getSymbolicName(), b.getBundleId(), updated.getSymbolicName(),
                        problem(b).orElse("see logs/framework.log."), updated.getSymbolicName());
            }
        }
    }

    /**
     * Activates the immediate components that Felix SCR left satisfied but inactive during the update of
     * {@code updated}. SCR 2.2.18 has a race: when a service a component needs goes away after SCR found the component
     * satisfied and before it registered the component's service, the activation fails ("Could not obtain all required
     * dependencies"), the service stays registered, and when the needed service comes back SCR takes the registration
     * for another thread's activation in progress and activates nothing. An update is what makes services go away
     * while other threads activate components, so the deployer looks afterwards: an immediate component with a
     * service that is still satisfied, not active, after a short wait is activated the way a user of its service would
     * activate it, by getting the service.
     */
    private void activateStranded(String updated) {
        List<Long> suspects = stranded().stream().map(c -> c.id).toList();
        if (suspects.isEmpty()) {
            return;
        }
        try {
            // an activation under way on another thread is satisfied for a moment too: give it time to finish
            TimeUnit.MILLISECONDS.sleep(STRANDED_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (ComponentConfigurationDTO c : stranded()) {
            if (!suspects.contains(c.id)) {
                continue;
            }
            String component = c.description.name + " (component " + c.id + ")";
            try {
                ServiceReference<?>[] refs = context.getAllServiceReferences(null,
                        "(" + ComponentConstants.COMPONENT_ID + "=" + c.id + ")");
                if (refs == null) {
                    continue; // deactivated meanwhile: SCR deals with it when it is satisfied again
                }
                Object instance = context.getService(refs[0]);
                context.ungetService(refs[0]);
                if (instance != null) {
                    log.warn("Activated {}, which Felix SCR left satisfied but inactive during the update of {} (a"
                            + " service it needs went away while it was activating).", component, updated);
                } else {
                    log.error("{} is satisfied but could not be activated after the update of {}; see the log above."
                            + " Restart its bundle, or the gateway, to activate it.", component, updated);
                }
            } catch (InvalidSyntaxException | RuntimeException e) {
                log.error("{} is satisfied but could not be activated after the update of {}: {}. Restart its"
                        + " bundle, or the gateway, to activate it.", component, updated, e.toString());
            }
        }
    }

    /** Immediate component configurations with a service that are satisfied and not active. */
    private List<ComponentConfigurationDTO> stranded() {
        List<ComponentConfigurationDTO> found = new ArrayList<>();
        for (ComponentDescriptionDTO d : components.getComponentDescriptionDTOs()) {
            if (!d.immediate || d.serviceInterfaces == null || d.serviceInterfaces.length == 0) {
                continue;
            }
            for (ComponentConfigurationDTO c : components.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.SATISFIED) {
                    found.add(c);
                }
            }
        }
        return found;
    }

    private void start(Bundle bundle) {
        if (isFragment(bundle)) {
            return;
        }
        try {
            bundle.start();
        } catch (BundleException e) {
            startFailures.put(bundle.getBundleId(), message(e));
        }
    }

    private void report(Deployment d, String origin) {
        String what = switch (d.action()) {
            case INSTALLED -> "Installed " + d.symbolicName() + " " + d.version();
            case UPDATED -> "Updated " + d.symbolicName() + " from " + d.previousVersion().orElseThrow() + " to "
                    + d.version() + " in place";
            case RESTORED -> "Restored " + d.symbolicName() + " " + d.version() + " in place of "
                    + d.previousVersion().orElseThrow();
            case UNCHANGED -> "Unchanged " + d.symbolicName() + " " + d.version();
        };
        String refreshed = d.refreshed().isEmpty() ? "no other bundle refreshed"
                : "refreshed " + String.join(", ", d.refreshed());
        if (d.problem().isPresent()) {
            log.error("{} (bundle {}, from {}; {}), but it is not running: {} The rest of the gateway keeps running;"
                    + " deploy a fixed jar, or use Restore on the console's Bundles page to go back.", what,
                    d.bundleId(), origin, refreshed, d.problem().get());
        } else {
            log.info("{} (bundle {}, from {}; {}).", what, d.bundleId(), origin, refreshed);
        }
    }

    private void refuseSpecial(Bundle bundle, String origin) throws DeployException {
        if (bundle.getBundleId() == 0) {
            throw new DeployException(origin + " is the OSGi framework, which cannot be updated while it runs: put"
                    + " the new jar into plugins/ and restart the gateway");
        }
        if (bundle.equals(context.getBundle()) || FILEINSTALL.equals(bundle.getSymbolicName())) {
            throw new DeployException(origin + " is " + bundle.getSymbolicName() + ", which carries out hot"
                    + " deployment and cannot update itself: put the new jar into plugins/ and restart the gateway");
        }
    }

    /** The installed bundle of this symbolic name, the highest version when there are several. */
    private Bundle installed(String symbolicName) {
        Bundle found = null;
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())
                    && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
                found = b;
            }
        }
        return found;
    }

    /** The jar now installed: the one the last update installed, else the product's jar at the bundle's location. */
    private Optional<Path> currentJar(Bundle bundle) {
        Optional<Path> kept = jars.current(bundle.getBundleId());
        if (kept.isPresent()) {
            return kept;
        }
        String location = bundle.getLocation();
        if (location.startsWith("initial@")) {
            // Equinox's mark of a bundle installed from config.ini's osgi.bundles (the product's plugins/)
            location = location.substring("initial@".length());
        }
        if (location.startsWith("reference:")) {
            location = location.substring("reference:".length());
        }
        if (!location.startsWith("file:")) {
            return Optional.empty();
        }
        String path = location.substring("file:".length());
        List<Path> candidates = new ArrayList<>();
        try {
            Path p = Path.of(location.startsWith("file:/") ? URI.create(location).getPath() : path);
            if (p.isAbsolute()) {
                candidates.add(p);
            } else {
                // Equinox resolves a relative reference:file: location against osgi.syspath (the plugins folder)
                for (String base : new String[] { context.getProperty("osgi.syspath"),
                        context.getProperty("osgi.install.area") }) {
                    if (base != null) {
                        Path dir = base.startsWith("file:") ? Path.of(URI.create(base.replace(" ", "%20")).getPath())
                                : Path.of(base);
                        candidates.add(dir.resolve(p));
                        candidates.add(dir.resolve("plugins").resolve(p));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    private void frameworkEvent(FrameworkEvent event) {
        // EclipseStarter raises the start level after the framework's STARTED (at level 1): its last
        // STARTLEVEL_CHANGED is the end of the gateway's start-up
        if ((event.getType() == FrameworkEvent.STARTED || event.getType() == FrameworkEvent.STARTLEVEL_CHANGED)
                && !frameworkStarting(context)) {
            checkRemovedWhileStopped();
        }
        if (event.getType() == FrameworkEvent.ERROR && event.getBundle() != null && event.getThrowable() != null
                && event.getBundle().getBundleId() != 0) {
            startFailures.put(event.getBundle().getBundleId(), message(event.getThrowable()));
        }
    }

    private void bundleEvent(BundleEvent event) {
        long id = event.getBundle().getBundleId();
        if (event.getType() == BundleEvent.STARTED) {
            startFailures.remove(id);
            stoppedByDeployments.remove(id);
        } else if (event.getType() == BundleEvent.UNINSTALLED) {
            startFailures.remove(id);
            stoppedByDeployments.remove(id);
            resolution.forget(id);
            try {
                jars.forget(id);
            } catch (IOException e) {
                log.warn("Could not delete the kept jars of the uninstalled bundle {}: {}.", id, e.getMessage());
            }
        }
    }

    static String message(Throwable t) {
        StringBuilder s = new StringBuilder(String.valueOf(t.getMessage()));
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            s.append(" Caused by: ").append(c);
        }
        return s.toString();
    }

    static boolean isFragment(Bundle bundle) {
        BundleRevision r = bundle.adapt(BundleRevision.class);
        return r != null && (r.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    static Manifest manifest(Path jar, String origin) throws DeployException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest m = file.getManifest();
            if (m == null) {
                throw new DeployException(origin + " is not an OSGi bundle: it has no META-INF/MANIFEST.MF. Deploy a"
                        + " bundle jar (built by bnd or Tycho).");
            }
            return m;
        } catch (IOException e) {
            throw new DeployException(origin + " is not a jar (" + e.getMessage() + "). Deploy a complete bundle jar;"
                    + " copy it next to deploy/ and move it in, so that the folder never holds half a file.", e);
        }
    }

    static String symbolicName(Manifest m, String origin) throws DeployException {
        String value = m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (value == null || value.isBlank()) {
            throw new DeployException(origin + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName."
                    + " Deploy a bundle jar (built by bnd or Tycho).");
        }
        int semicolon = value.indexOf(';');
        return (semicolon < 0 ? value : value.substring(0, semicolon)).strip();
    }

    static Version version(Manifest m, String origin) throws DeployException {
        Attributes a = m.getMainAttributes();
        String value = a.getValue(Constants.BUNDLE_VERSION);
        try {
            return value == null ? Version.emptyVersion : Version.parseVersion(value.strip());
        } catch (IllegalArgumentException e) {
            throw new DeployException(origin + " has Bundle-Version '" + value + "', which is not an OSGi version"
                    + " (major.minor.micro.qualifier); fix the manifest", e);
        }
    }
}
