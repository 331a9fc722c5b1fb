package io.pigeon.broker.internal.session;

import io.netty.buffer.ByteBuf;
import io.pigeon.broker.internal.message.PublishReceipt;
import io.pigeon.broker.internal.message.PublishedMessage;

/**
 * One message on its way to one client: queued, or in flight waiting for PUBACK / PUBREC / PUBCOMP.
 * Owns one reference to the payload until the message is acknowledged or dropped. Touched only on the
 * session's event loop.
 */
final class Outbound {

    enum State { QUEUED, AWAIT_PUBACK, AWAIT_PUBREC, AWAIT_PUBCOMP }

    final PublishedMessage message;
    final int qos;
    final boolean retain;
    final int[] subscriptionIds;
    ByteBuf payload;
    int packetId;
    State state = State.QUEUED;
    /** The session's sequence number of this message in the durable store, 0 when the session keeps it in memory only. */
    long seq;
    /** Whether the message was given to the durable store (then its later changes and its removal go there too). */
    boolean written;
    /** The publisher's receipt while this delivery is not safe yet (neither acknowledged nor written), else null. */
    PublishReceipt receipt;
    /** The session loop's time when it started waiting to be written, see {@code Session.keepSafe}. */
    long unwrittenSince;

    Outbound(PublishedMessage message, ByteBuf payload, int qos, boolean retain, int[] subscriptionIds) {
        this.message = message;
        this.payload = payload;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = subscriptionIds;
    }

    int size() {
        return payload == null ? 0 : payload.readableBytes();
    }

    void release() {
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }
}
