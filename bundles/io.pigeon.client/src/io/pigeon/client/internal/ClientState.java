package io.pigeon.client.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pigeon.client.ConnectionState;
import io.pigeon.client.ConnectionStateListener;

import org.osgi.service.log.Logger;

/**
 * The part of a client every transport shares: its {@link ConnectionState}, the listeners told about changes, and
 * the stage {@code connected()} hands out. Thread safe. Listeners are called by the thread that made the change,
 * under this object's monitor so that every listener sees the changes in their order; they must not block.
 */
public final class ClientState {

    private final String name;
    private final Logger log;
    private final List<ConnectionStateListener> listeners = new CopyOnWriteArrayList<>();
    private ConnectionState state = ConnectionState.CONNECTING;
    private CompletableFuture<Void> nextConnected = new CompletableFuture<>();

    /** @param name how log lines name the client ("client 'x' to embedded") */
    public ClientState(String name, Logger log) {
        this.name = name;
        this.log = log;
    }

    public synchronized ConnectionState get() {
        return state;
    }

    public synchronized boolean isClosed() {
        return state == ConnectionState.CLOSED;
    }

    public synchronized CompletionStage<Void> connected() {
        // A copy: callers must not be able to complete the client's own stage.
        return nextConnected.copy();
    }

    public void addListener(ConnectionStateListener l) {
        listeners.add(l);
    }

    public void removeListener(ConnectionStateListener l) {
        listeners.remove(l);
    }

    /**
     * Moves to {@code next} and tells the listeners; nothing happens once CLOSED, or when the state is unchanged.
     *
     * @return whether the state changed
     */
    public boolean change(ConnectionState next, String reason) {
        synchronized (this) {
            if (state == ConnectionState.CLOSED || (state == next && next != ConnectionState.DISCONNECTED)) {
                return false;
            }
            ConnectionState before = state;
            state = next;
            if (next == ConnectionState.CONNECTED) {
                nextConnected.complete(null);
            } else if (before == ConnectionState.CONNECTED) {
                nextConnected = new CompletableFuture<>();
            }
            // Tell listeners while holding the monitor so that they see the changes in order.
            for (ConnectionStateListener l : listeners) {
                try {
                    l.stateChanged(next, reason);
                } catch (RuntimeException e) {
                    log.warn("A connection state listener of " + name + " failed on " + next + ": " + e
                            + "; the client goes on, fix the listener (" + l.getClass().getName() + ")");
                }
            }
        }
        if (next == ConnectionState.DISCONNECTED) {
            log.warn(name + " disconnected: " + reason);
        } else {
            log.info(name + " " + next.name().toLowerCase());
        }
        return true;
    }
}
