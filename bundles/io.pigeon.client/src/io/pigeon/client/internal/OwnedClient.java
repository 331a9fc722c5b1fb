package io.pigeon.client.internal;

import io.pigeon.client.MqttClient;

/** A client as its {@link ClientsComponent} sees it: one it can end when its owner leaves it open. */
public interface OwnedClient extends MqttClient {

    /**
     * Ends the client as a dropped connection, without a DISCONNECT, so that the broker publishes its will: for
     * clients whose bundle stopped without closing them.
     */
    void abandon();
}
