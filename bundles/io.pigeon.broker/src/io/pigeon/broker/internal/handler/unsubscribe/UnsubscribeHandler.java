package io.pigeon.broker.internal.handler.unsubscribe;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.PacketHandler;

/** UNSUBSCRIBE -> {@link UnsubscribeService}. Stateless; channel's event loop. */
public final class UnsubscribeHandler implements PacketHandler {

    private final UnsubscribeService service;

    public UnsubscribeHandler(UnsubscribeService service) {
        this.service = service;
    }

    @Override
    public void handle(MqttConnection conn, MqttMessage msg) {
        service.unsubscribe(conn, (MqttUnsubscribeMessage) msg);
    }
}
