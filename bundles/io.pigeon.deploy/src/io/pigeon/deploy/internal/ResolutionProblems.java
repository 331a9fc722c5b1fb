package io.pigeon.deploy.internal;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.osgi.report.resolution.ResolutionReport;
import org.osgi.framework.Bundle;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.resource.Resource;
import org.osgi.service.component.annotations.Component;

/**
 * Keeps the resolver's own explanation of why a bundle does not resolve ("Unresolved requirement: Import-Package:
 * ..."): Equinox hands a resolution report to every resolver hook that is also a {@link ResolutionReport.Listener}.
 * The hook changes nothing in the resolution.
 */
@Component(service = { ResolverHookFactory.class, ResolutionProblems.class })
public final class ResolutionProblems implements ResolverHookFactory {

    private final Map<Long, String> reasons = new ConcurrentHashMap<>();

    @Override
    public ResolverHook begin(Collection<BundleRevision> triggers) {
        return new ReportListener();
    }

    /** The resolver's last message about this bundle, while it is still not resolved. */
    Optional<String> reason(Bundle bundle) {
        if (bundle.getState() != Bundle.INSTALLED) {
            return Optional.empty();
        }
        return Optional.ofNullable(reasons.get(bundle.getBundleId()));
    }

    void forget(long bundleId) {
        reasons.remove(bundleId);
    }

    private final class ReportListener implements ResolverHook, ResolutionReport.Listener {

        @Override
        public void handleResolutionReport(ResolutionReport report) {
            for (Map.Entry<Resource, List<ResolutionReport.Entry>> e : report.getEntries().entrySet()) {
                if (e.getKey() instanceof BundleRevision revision && !e.getValue().isEmpty()) {
                    String message = report.getResolutionReportMessage(revision);
                    if (message != null && !message.isBlank()) {
                        // one line, so that the log entry and the console's cell read as one sentence
                        reasons.put(revision.getBundle().getBundleId(),
                                message.strip().replaceAll("\\s*\\R\\s*", " "));
                    }
                }
            }
        }

        @Override
        public void filterResolvable(Collection<BundleRevision> candidates) {
            // resolution is not changed
        }

        @Override
        public void filterSingletonCollisions(BundleCapability singleton, Collection<BundleCapability> collisions) {
            // resolution is not changed
        }

        @Override
        public void filterMatches(BundleRequirement requirement, Collection<BundleCapability> candidates) {
            // resolution is not changed
        }

        @Override
        public void end() {
            // nothing held
        }
    }
}
