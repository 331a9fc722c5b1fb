package io.pigeon.broker;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives messages for an in-process subscription. Runs on a broker event loop: do not block. */
@ConsumerType
@FunctionalInterface
public interface MessageHandler {
    void onMessage(Message message);
}
