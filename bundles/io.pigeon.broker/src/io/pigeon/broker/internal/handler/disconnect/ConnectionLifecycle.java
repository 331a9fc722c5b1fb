package io.pigeon.broker.internal.handler.disconnect;

import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.will.WillMessage;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * What happens when a connection ends, however it ends: the will (unless the client sent DISCONNECT
 * without asking for it), the session going offline or ending, counters and the disconnect event.
 * Runs on the connection's event loop.
 */
public final class ConnectionLifecycle {

    private final MqttBroker broker;

    public ConnectionLifecycle(MqttBroker broker) {
        this.broker = broker;
    }

    public void connectionClosed(MqttConnection conn) {
        if (conn.state() != MqttConnection.State.CONNECTED) {
            return;
        }
        conn.state(MqttConnection.State.AWAIT_CONNECT);
        broker.metrics().clientDisconnected();
        Session session = conn.session();
        WillMessage will = conn.will();
        conn.will(null);
        boolean sessionContinues = session != null && !conn.takenOver() && session.expirySeconds() != 0;
        if (will != null && !conn.cleanDisconnect()) {
            if (will.delaySeconds() > 0 && conn.takenOver()) {
                // a new connection resumed the session before the delay started: no will (MQTT 5 3.1.3.2.2)
            } else if (will.delaySeconds() > 0 && sessionContinues) {
                ClientIdentity id = conn.identity();
                String clientTopic = conn.unmount(will.topic());
                long delay = session.expirySeconds() < 0 ? will.delaySeconds()
                        : Math.min(will.delaySeconds(), session.expirySeconds());
                session.delayWill(() -> broker.publishWill(will, id, clientTopic), delay);
            } else {
                broker.publishWill(will, conn.identity(), conn.unmount(will.topic()));
            }
        }
        if (session != null && !conn.takenOver()) {
            broker.sessions().connectionLost(session, conn);
        }
        String reason = conn.takenOver() ? "session taken over" : conn.cleanDisconnect() ? "normal" : "connection lost";
        broker.log().info("Client " + conn.describe() + " disconnected: " + reason);
        broker.events().fire(BrokerEvent.Type.CLIENT_DISCONNECTED, conn.clientId(), conn.remoteAddress(), null, 0,
                reason);
    }
}
