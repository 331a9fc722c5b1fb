package io.pigeon.gateway.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The gateway's bundles resolve and start together in a real Equinox, and their DS components are satisfied. */
@ExtendWith({ BundleContextExtension.class, ServiceExtension.class })
class GatewayRuntimeTest {

    @InjectBundleContext
    BundleContext context;

    @Test
    void everyPigeonBundleIsActive() {
        List<String> notActive = new ArrayList<>();
        List<String> pigeonBundles = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            String name = bundle.getSymbolicName();
            if (!name.startsWith("io.pigeon.") || name.endsWith(".tests") || isFragment(bundle)) {
                continue;
            }
            pigeonBundles.add(name);
            if (bundle.getState() != Bundle.ACTIVE) {
                notActive.add(name + " is " + stateName(bundle.getState()));
            }
        }
        assertTrue(pigeonBundles.contains("io.pigeon.runtime"), "runtime bundle missing from " + pigeonBundles);
        assertEquals(List.of(), notActive, "bundles that did not start");
    }

    @Test
    void everyPigeonComponentIsSatisfied(@InjectService ServiceComponentRuntime scr) {
        List<String> unsatisfied = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!description.bundle.symbolicName.startsWith("io.pigeon.")) {
                continue;
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                        || configuration.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                        || configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    unsatisfied.add(description.name + " state " + configuration.state
                            + (configuration.failure == null ? "" : ": " + configuration.failure)
                            + " unsatisfied " + Arrays.toString(configuration.unsatisfiedReferences));
                }
            }
        }
        assertEquals(List.of(), unsatisfied);
    }

    @Test
    void noBundleFailedToResolve() {
        List<String> unresolved = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getState() == Bundle.INSTALLED && !isNativeFragmentForOtherPlatform(bundle)) {
                unresolved.add(bundle.getSymbolicName());
            }
        }
        assertFalse(unresolved.size() > 0, "bundles that did not resolve: " + unresolved);
    }

    private static boolean isFragment(Bundle bundle) {
        return bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }

    /** Netty ships one native fragment per CPU; only the one for this machine's CPU can resolve. */
    private static boolean isNativeFragmentForOtherPlatform(Bundle bundle) {
        return isFragment(bundle) && bundle.getHeaders("").get(Constants.BUNDLE_NATIVECODE) != null;
    }

    private static String stateName(int state) {
        switch (state) {
        case Bundle.INSTALLED: return "INSTALLED";
        case Bundle.RESOLVED: return "RESOLVED";
        case Bundle.STARTING: return "STARTING";
        case Bundle.STOPPING: return "STOPPING";
        default: return "state " + state;
        }
    }
}
