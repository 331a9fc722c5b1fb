package io.pigeon.console.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;

/** How a message looks to the page: the payload as text when it is UTF-8, always as Base64 too (for hex). */
final class MessageJson {

    private MessageJson() {
    }

    static Map<String, Object> of(Message m, long millis) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", m.topic());
        out.put("qos", m.qos());
        out.put("retain", m.retain());
        out.put("time", millis);
        out.put("size", m.payload().length);
        out.put("text", text(m.payload()));
        out.put("base64", Base64.getEncoder().encodeToString(m.payload()));
        MessageProperties p = m.properties();
        Map<String, Object> props = new LinkedHashMap<>();
        if (p.contentType() != null) {
            props.put("contentType", p.contentType());
        }
        if (p.responseTopic() != null) {
            props.put("responseTopic", p.responseTopic());
        }
        if (p.messageExpirySeconds() != null) {
            props.put("messageExpirySeconds", p.messageExpirySeconds());
        }
        if (p.payloadFormatUtf8() != null) {
            props.put("payloadFormatUtf8", p.payloadFormatUtf8());
        }
        if (p.correlationData() != null) {
            props.put("correlationData", Base64.getEncoder().encodeToString(p.correlationData()));
        }
        if (!p.userProperties().isEmpty()) {
            props.put("userProperties", p.userProperties().stream()
                    .map(u -> List.of(u.name(), u.value())).toList());
        }
        out.put("properties", props);
        return out;
    }

    /** The payload as a string when it is valid UTF-8, else null. */
    static String text(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
