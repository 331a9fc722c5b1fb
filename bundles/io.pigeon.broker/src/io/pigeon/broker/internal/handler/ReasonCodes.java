package io.pigeon.broker.internal.handler;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.pigeon.broker.spi.Authenticator;

/**
 * The one place that maps errors to MQTT reason codes (like Mosquitto's {@code read_handle.c}).
 * Pure functions.
 */
public final class ReasonCodes {

    public static final int SUCCESS = 0x00;
    public static final int NO_MATCHING_SUBSCRIBERS = 0x10;
    public static final int UNSPECIFIED_ERROR = 0x80;
    public static final int MALFORMED_PACKET = 0x81;
    public static final int PROTOCOL_ERROR = 0x82;
    public static final int IMPLEMENTATION_SPECIFIC = 0x83;
    public static final int UNSUPPORTED_PROTOCOL_VERSION = 0x84;
    public static final int CLIENT_ID_NOT_VALID = 0x85;
    public static final int BAD_USERNAME_OR_PASSWORD = 0x86;
    public static final int NOT_AUTHORIZED = 0x87;
    public static final int SERVER_BUSY = 0x89;
    public static final int SERVER_SHUTTING_DOWN = 0x8B;
    public static final int BAD_AUTHENTICATION_METHOD = 0x8C;
    public static final int KEEP_ALIVE_TIMEOUT = 0x8D;
    public static final int SESSION_TAKEN_OVER = 0x8E;
    public static final int TOPIC_FILTER_INVALID = 0x8F;
    public static final int TOPIC_NAME_INVALID = 0x90;
    public static final int PACKET_ID_NOT_FOUND = 0x92;
    public static final int RECEIVE_MAXIMUM_EXCEEDED = 0x93;
    public static final int TOPIC_ALIAS_INVALID = 0x94;
    public static final int PACKET_TOO_LARGE = 0x95;
    public static final int QUOTA_EXCEEDED = 0x97;
    public static final int ADMINISTRATIVE_ACTION = 0x98;
    public static final int PAYLOAD_FORMAT_INVALID = 0x99;
    public static final int RETAIN_NOT_SUPPORTED = 0x9A;
    public static final int QOS_NOT_SUPPORTED = 0x9B;
    public static final int SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E;
    public static final int SUBSCRIPTION_IDS_NOT_SUPPORTED = 0xA1;

    /** MQTT 3.x CONNACK return codes. */
    public static final int V3_UNACCEPTABLE_PROTOCOL = 0x01;
    public static final int V3_IDENTIFIER_REJECTED = 0x02;
    public static final int V3_SERVER_UNAVAILABLE = 0x03;
    public static final int V3_BAD_USERNAME_OR_PASSWORD = 0x04;
    public static final int V3_NOT_AUTHORIZED = 0x05;

    /** No packet to send: the peer is gone or the error has no reason code. */
    public static final int NONE = -1;

    private ReasonCodes() {
    }

    /** Reason code of the DISCONNECT sent to an MQTT 5 client after {@code cause}; NONE to just close. */
    public static int disconnectCode(Throwable cause) {
        Throwable c = unwrap(cause);
        if (c instanceof MqttProtocolException p) {
            return p.reasonCode();
        }
        if (c instanceof TooLongFrameException) {
            return PACKET_TOO_LARGE;
        }
        if (c instanceof MqttUnacceptableProtocolVersionException || c instanceof MqttIdentifierRejectedException) {
            return PROTOCOL_ERROR;
        }
        // everything the decoders reject is a malformed packet, whatever the underlying cause (a
        // CharacterCodingException for a string that is not UTF-8 is an IOException, but not a socket error)
        if (cause instanceof DecoderException || c instanceof DecoderException || c instanceof IllegalArgumentException
                || c instanceof CharacterCodingException) {
            return MALFORMED_PACKET;
        }
        if (c instanceof IOException) {
            return NONE;
        }
        return UNSPECIFIED_ERROR;
    }

    /**
     * CONNACK code for a CONNECT that failed; NONE when the protocol level has no code for it (3.x
     * clients are then just disconnected).
     */
    public static int connackCode(Throwable cause, int protocolLevel) {
        Throwable c = unwrap(cause);
        boolean v5 = protocolLevel == 5;
        if (c instanceof MqttUnacceptableProtocolVersionException) {
            return v5 ? UNSUPPORTED_PROTOCOL_VERSION : V3_UNACCEPTABLE_PROTOCOL;
        }
        if (c instanceof MqttIdentifierRejectedException) {
            return v5 ? CLIENT_ID_NOT_VALID : V3_IDENTIFIER_REJECTED;
        }
        if (!v5) {
            return NONE;
        }
        return disconnectCode(c);
    }

    /**
     * CONNACK code for a client the authenticator refused. MQTT 3.x gets 0x05 (not authorized) for bad
     * credentials too, as Mosquitto 2.0 sends for a wrong password; MQTT 5 tells the two apart.
     */
    public static int authenticationCode(Authenticator.Result result, int protocolLevel) {
        if (protocolLevel != 5) {
            return V3_NOT_AUTHORIZED;
        }
        return result == Authenticator.Result.BAD_CREDENTIALS ? BAD_USERNAME_OR_PASSWORD : NOT_AUTHORIZED;
    }

    /** Whether an MQTT 5 CONNACK may carry this reason code (spec 3.2.2.2). */
    public static boolean validForConnack(int code) {
        return code == MALFORMED_PACKET || code == PROTOCOL_ERROR || code == UNSPECIFIED_ERROR
                || code == IMPLEMENTATION_SPECIFIC || code == PACKET_TOO_LARGE || code == TOPIC_NAME_INVALID
                || code == QOS_NOT_SUPPORTED || code == RETAIN_NOT_SUPPORTED || code == BAD_AUTHENTICATION_METHOD
                || code == NOT_AUTHORIZED || code == BAD_USERNAME_OR_PASSWORD || code == CLIENT_ID_NOT_VALID
                || code == UNSUPPORTED_PROTOCOL_VERSION || code == SERVER_BUSY || code == QUOTA_EXCEEDED
                || code == PAYLOAD_FORMAT_INVALID;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof DecoderException && c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
