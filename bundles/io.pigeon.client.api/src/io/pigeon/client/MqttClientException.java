package io.pigeon.client;

/** The broker refused something, or the client could not do it; the message says what to do. */
public class MqttClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int reasonCode;

    /** @param reasonCode the MQTT reason code from the broker, or -1 when the refusal is the client's own */
    public MqttClientException(String message, int reasonCode) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public MqttClientException(String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = -1;
    }

    /** The MQTT reason code from the broker, or -1 when the client refused on its own (buffer full, closed). */
    public int reasonCode() {
        return reasonCode;
    }
}
