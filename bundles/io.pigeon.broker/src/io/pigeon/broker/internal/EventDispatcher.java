package io.pigeon.broker.internal;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.BrokerListener;

/**
 * Hands broker events to the whiteboard listeners, on the thread where the event happened.
 * A failing listener is reported and does not stop the others.
 */
public final class EventDispatcher {

    private final CopyOnWriteArrayList<BrokerListener> listeners = new CopyOnWriteArrayList<>();
    private final Consumer<String> onListenerFailure;

    public EventDispatcher(Consumer<String> onListenerFailure) {
        this.onListenerFailure = onListenerFailure;
    }

    public void add(BrokerListener l) {
        listeners.addIfAbsent(l);
    }

    public void remove(BrokerListener l) {
        listeners.remove(l);
    }

    /** Cheap check so the publish path builds no event objects when nobody listens. */
    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    public void fire(BrokerEvent.Type type, String clientId, String address, String topic, int qos, String reason) {
        if (listeners.isEmpty()) {
            return;
        }
        BrokerEvent event = new BrokerEvent(type, clientId, address, topic, qos, reason);
        for (BrokerListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                onListenerFailure.accept("Broker listener " + l.getClass().getName() + " failed on " + type + ": " + e
                        + "; fix or remove that listener service");
            }
        }
    }
}
