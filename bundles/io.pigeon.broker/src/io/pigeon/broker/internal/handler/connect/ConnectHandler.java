package io.pigeon.broker.internal.handler.connect;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.PacketHandler;

/** CONNECT -> {@link ConnectService}. Stateless; channel's event loop. */
public final class ConnectHandler implements PacketHandler {

    private final ConnectService service;

    public ConnectHandler(ConnectService service) {
        this.service = service;
    }

    @Override
    public void handle(MqttConnection conn, MqttMessage msg) {
        service.connect(conn, (MqttConnectMessage) msg);
    }
}
