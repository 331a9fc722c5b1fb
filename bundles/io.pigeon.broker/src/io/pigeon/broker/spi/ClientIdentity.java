package io.pigeon.broker.spi;

/**
 * Who is asking.
 *
 * @param clientId        the MQTT client identifier (after assignment of an automatic one)
 * @param username        user name from CONNECT, null when absent
 * @param remoteAddress   "host:port" of the connection, or "in-process"
 * @param protocolVersion 3 (MQTT 3.1), 4 (3.1.1) or 5
 */
public record ClientIdentity(String clientId, String username, String remoteAddress, int protocolVersion) {
}
