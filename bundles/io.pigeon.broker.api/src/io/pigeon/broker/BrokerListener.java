package io.pigeon.broker;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register a service of this type to be told about broker events. Called on a broker
 * event loop: return quickly and do not block; hand long work to your own executor.
 */
@ConsumerType
@FunctionalInterface
public interface BrokerListener {
    void onEvent(BrokerEvent event);
}
