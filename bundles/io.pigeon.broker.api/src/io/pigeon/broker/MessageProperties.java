package io.pigeon.broker;

import java.util.List;

/**
 * The MQTT 5 properties a message carries from publisher to subscriber unchanged.
 *
 * @param payloadFormatUtf8     the Payload Format Indicator: true for UTF-8 text, null when absent
 * @param messageExpirySeconds  the Message Expiry Interval in seconds, null when the message does not expire
 * @param contentType           Content Type or null
 * @param responseTopic         Response Topic or null
 * @param correlationData       Correlation Data or null
 * @param userProperties        User Properties in order, never null
 */
public record MessageProperties(Boolean payloadFormatUtf8, Long messageExpirySeconds, String contentType,
        String responseTopic, byte[] correlationData, List<UserProperty> userProperties) {

    public static final MessageProperties NONE = new MessageProperties(null, null, null, null, null, List.of());

    public MessageProperties {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    /** One MQTT 5 User Property; names may repeat. */
    public record UserProperty(String name, String value) {
    }
}
