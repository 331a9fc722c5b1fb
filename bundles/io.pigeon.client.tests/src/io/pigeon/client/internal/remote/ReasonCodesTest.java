package io.pigeon.client.internal.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The texts users read in state listeners and exceptions when a broker refuses. */
class ReasonCodesTest {

    @Test
    void refusedConnectionsSayWhatToDo() {
        assertEquals("CONNACK 0x86 bad user name or password: check the username/password options",
                ReasonCodes.connack(0x86, true));
        assertEquals("CONNACK 0x04 bad user name or password: check the username/password options",
                ReasonCodes.connack(4, false));
        assertEquals("CONNACK 0x85 client identifier not valid: set another client id", ReasonCodes.connack(0x85, true));
        assertEquals("0x87 not authorized: the broker's ACL does not let this user publish there",
                ReasonCodes.publish(0x87));
    }
}
