package io.pigeon.broker.internal.handler;

/**
 * A client broke the protocol. Thrown by the packet handlers; {@link PacketDispatcher} turns it into
 * a DISCONNECT (MQTT 5) or CONNACK with the reason code and closes the connection.
 */
public final class MqttProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int reasonCode;

    public MqttProtocolException(int reasonCode, String message) {
        super(message, null, false, false);
        this.reasonCode = reasonCode;
    }

    public int reasonCode() {
        return reasonCode;
    }
}
