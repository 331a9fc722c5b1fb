package io.pigeon.deploy.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(pid = BundleDeployerComponent.PID, name = "Pigeon hot deployment",
        description = "Updating bundles in place from deploy/ and the console")
@interface DeployConfig {

    @AttributeDefinition(description = "How many replaced jars are kept per bundle, so that the console can restore "
            + "them (at least 1)")
    int keepReplaced() default 3;

    @AttributeDefinition(description = "Largest jar accepted, in bytes")
    long maxJarBytes() default 64L * 1024 * 1024;

    @AttributeDefinition(description = "How long a package refresh of the bundles wired to an updated bundle may take, "
            + "in seconds")
    int refreshTimeoutSeconds() default 60;
}
