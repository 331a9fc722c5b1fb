package io.pigeon.client.internal.remote;

/**
 * What a broker's refusal means and what to do about it, for the state listeners' reasons and the exceptions'
 * messages: "CONNACK 0x86 bad user name or password: check the username/password options".
 */
final class ReasonCodes {

    private ReasonCodes() {
    }

    /** A refused CONNACK, MQTT 3.1/3.1.1 return codes (1..5) or MQTT 5 reason codes (0x80 and up). */
    static String connack(int code, boolean mqtt5) {
        String hex = String.format("0x%02X", code);
        String what = mqtt5 ? switch (code) {
            case 0x80 -> "unspecified error: see the broker's log";
            case 0x81 -> "malformed packet: the broker could not read the CONNECT; check protocol_version";
            case 0x82 -> "protocol error: check protocol_version and the options the broker supports";
            case 0x83 -> "implementation specific error: see the broker's log";
            case 0x84 -> "unsupported protocol version: set protocol_version to one the broker supports (3, 4 or 5)";
            case 0x85 -> "client identifier not valid: set another client id";
            case 0x86 -> "bad user name or password: check the username/password options";
            case 0x87 -> "not authorized: check the username/password options (Mosquitto answers a wrong password "
                    + "so) and that the broker lets this user connect";
            case 0x88 -> "server unavailable: the broker cannot take clients now; it will be retried";
            case 0x89 -> "server busy: it will be retried";
            case 0x8A -> "banned: the broker refuses this client";
            case 0x8C -> "bad authentication method";
            case 0x90 -> "topic name invalid: check the will topic";
            case 0x95 -> "packet too large: the broker's maximum packet size is smaller than the CONNECT";
            case 0x97 -> "quota exceeded: it will be retried";
            case 0x99 -> "payload format invalid: check the will payload";
            case 0x9A -> "retain not supported: do not retain the will";
            case 0x9B -> "QoS not supported: lower the will QoS";
            case 0x9C -> "use another server (the broker redirects)";
            case 0x9D -> "server moved";
            case 0x9F -> "connection rate exceeded: it will be retried";
            default -> "refused";
        } : switch (code) {
            case 1 -> "unacceptable protocol version: set protocol_version to one the broker supports (3, 4 or 5)";
            case 2 -> "identifier rejected: set another client id";
            case 3 -> "server unavailable: it will be retried";
            case 4 -> "bad user name or password: check the username/password options";
            case 5 -> "not authorized: check the username/password options and the broker's ACL";
            default -> "refused";
        };
        return "CONNACK " + hex + " " + what;
    }

    /** A refused PUBLISH (PUBACK/PUBREC 0x80 and up, MQTT 5). */
    static String publish(int code) {
        return String.format("0x%02X ", code) + switch (code) {
            case 0x10 -> "no matching subscribers";
            case 0x80 -> "unspecified error: see the broker's log";
            case 0x83 -> "implementation specific error: see the broker's log";
            case 0x87 -> "not authorized: the broker's ACL does not let this user publish there";
            case 0x90 -> "topic name invalid";
            case 0x91 -> "packet identifier in use";
            case 0x97 -> "quota exceeded";
            case 0x99 -> "payload format invalid: the payload is not the UTF-8 its properties say";
            default -> "refused";
        };
    }

    /** A refused subscription (SUBACK 0x80 and up). */
    static String subscribe(int code) {
        return String.format("0x%02X ", code) + switch (code) {
            case 0x80 -> "refused (MQTT 3.1.1 gives no reason; often the broker's ACL)";
            case 0x83 -> "implementation specific error: see the broker's log";
            case 0x87 -> "not authorized: the broker's ACL does not let this user subscribe there";
            case 0x8F -> "topic filter invalid";
            case 0x91 -> "packet identifier in use";
            case 0x97 -> "quota exceeded";
            case 0x9E -> "shared subscriptions not supported";
            case 0xA1 -> "subscription identifiers not supported";
            case 0xA2 -> "wildcard subscriptions not supported";
            default -> "refused";
        };
    }

    /** A DISCONNECT from the broker (MQTT 5). */
    static String disconnect(int code) {
        return String.format("DISCONNECT 0x%02X ", code) + switch (code) {
            case 0x00 -> "normal disconnection by the broker";
            case 0x04 -> "disconnect with will message";
            case 0x80 -> "unspecified error: see the broker's log";
            case 0x81 -> "malformed packet";
            case 0x82 -> "protocol error";
            case 0x87 -> "not authorized";
            case 0x89 -> "server busy";
            case 0x8B -> "server shutting down";
            case 0x8D -> "keep alive timeout";
            case 0x8E -> "session taken over: another client connected with the same client id; give each its own";
            case 0x93 -> "receive maximum exceeded";
            case 0x95 -> "packet too large";
            case 0x97 -> "quota exceeded";
            case 0x9C -> "use another server";
            case 0x9D -> "server moved";
            default -> "from the broker";
        };
    }
}
