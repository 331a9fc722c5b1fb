package io.pigeon.broker.internal.session;

import io.pigeon.broker.internal.message.PublishedMessage;

/**
 * What a {@link Session} needs from the network connection it is attached to. All methods are called
 * on the connection's event loop, which is also the session's.
 */
public interface ClientConnection {

    String remoteAddress();

    /** 3, 4 or 5. */
    int protocolLevel();

    /** False while the socket's outbound buffer is above its high water mark. */
    boolean isWritable();

    /** The client's Receive Maximum (65535 unless an MQTT 5 client said less). */
    int clientReceiveMaximum();

    /** Whether the authorizer lets this client receive a message on {@code topic} (asked before each send). */
    boolean mayReceive(String topic);

    /**
     * Sends a PUBLISH and takes ownership of {@code payload} (released after writing or when dropped).
     *
     * @return false when the packet was not sent because it exceeds the client's Maximum Packet Size
     */
    boolean sendPublish(PublishedMessage message, io.netty.buffer.ByteBuf payload, int qos, boolean retain, boolean dup,
            int packetId, int[] subscriptionIds);

    void sendPubrel(int packetId, int reasonCode);

    /**
     * Ends the connection from the broker side: MQTT 5 clients get a DISCONNECT with the reason code first.
     * No will is published for a connection the broker ends through this method with {@code publishWill} false.
     */
    void disconnect(int reasonCode, String reason, boolean publishWill);

    /** Whether the broker is already ending this connection (it may linger while the client reads the last packet). */
    boolean closing();

    /** The user name the client logged in with, null for none. */
    String username();

    /** The clean session / clean start flag of its CONNECT. */
    boolean cleanStart();

    /** Epoch milliseconds when the broker accepted the CONNECT. */
    long connectedAtMillis();

    /** PUBLISH packets received on this connection (plain counter of the connection's loop; read racily). */
    long publishesReceived();

    /** Their payload bytes. */
    long publishBytesReceived();
}
