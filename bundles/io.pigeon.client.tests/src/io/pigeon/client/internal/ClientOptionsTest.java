package io.pigeon.client.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pigeon.client.ClientOptions;

import org.junit.jupiter.api.Test;

class ClientOptionsTest {

    @Test
    void theTextOfOptionsNeverShowsThePassword() {
        ClientOptions o = ClientOptions.builder("mqtts://central:8883").clientId("gw1").credentials("gw1", "s3cret-pw")
                .build();
        String text = o.toString();
        assertFalse(text.contains("s3cret-pw"), text);
        assertTrue(text.contains("password=(set)") && text.contains("gw1") && text.contains("mqtts://central:8883"),
                text);
    }
}
