package io.pigeon.broker.internal.handler.subscribe;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.PacketHandler;

/** SUBSCRIBE -> {@link SubscribeService}. Stateless; channel's event loop. */
public final class SubscribeHandler implements PacketHandler {

    private final SubscribeService service;

    public SubscribeHandler(SubscribeService service) {
        this.service = service;
    }

    @Override
    public void handle(MqttConnection conn, MqttMessage msg) {
        service.subscribe(conn, (MqttSubscribeMessage) msg);
    }
}
