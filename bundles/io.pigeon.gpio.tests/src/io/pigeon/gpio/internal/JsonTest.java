package io.pigeon.gpio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesNestedValuesAndEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "Door \"front\"\\\n");
        m.put("scale", 100);
        m.put("on", true);
        m.put("ids", List.of("a", "b"));
        m.put("device", Map.of("x", "°C\u0001"));
        assertEquals("{\"name\":\"Door \\\"front\\\"\\\\\\n\",\"scale\":100,\"on\":true,\"ids\":[\"a\",\"b\"],"
                + "\"device\":{\"x\":\"°C\\u0001\"}}", Json.write(m));
    }
}
