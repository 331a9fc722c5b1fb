package io.pigeon.console.internal;

import java.util.List;
import java.util.Objects;

/**
 * What the page sends to {@code POST /api/publish}, and what {@link PublishHistory} keeps so that it can be sent
 * again as it was. {@code time} is set by the history (when it was published), never read from the page.
 */
final class PublishRequest {
    String topic;
    String payload;
    String base64;
    int qos;
    boolean retain;
    String contentType;
    String responseTopic;
    Long messageExpirySeconds;
    List<List<String>> userProperties;
    long time;

    /** The same message, whenever it was sent. */
    boolean sameMessage(PublishRequest o) {
        return Objects.equals(topic, o.topic) && Objects.equals(payload, o.payload) && Objects.equals(base64, o.base64)
                && qos == o.qos && retain == o.retain && Objects.equals(contentType, o.contentType)
                && Objects.equals(responseTopic, o.responseTopic)
                && Objects.equals(messageExpirySeconds, o.messageExpirySeconds)
                && Objects.equals(userProperties, o.userProperties);
    }
}
