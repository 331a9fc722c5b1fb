package io.pigeon.store.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import io.pigeon.broker.Message;
import io.pigeon.broker.MessageProperties;
import io.pigeon.broker.spi.DurableStore.StoredRetained;
import io.pigeon.broker.spi.StoredMessage;
import io.pigeon.broker.spi.StoredSession;
import io.pigeon.broker.spi.StoredSubscription;
import io.pigeon.broker.spi.StoredWill;

/**
 * The on-disk form of each record: a format byte ({@value #FORMAT}), then the fields with {@link DataOutputStream}.
 * A new field means a new format number that this class still reads the old way; a value with a format number it
 * does not know is rejected with {@link CorruptRecordException}, never guessed at. Pure functions.
 */
final class RecordCodec {

    /** Format of every value this version writes. */
    static final int FORMAT = 1;

    private RecordCodec() {
    }

    static final class CorruptRecordException extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptRecordException(String what, Exception cause) {
            super(what + ": " + cause, cause);
        }
    }

    // ---- sessions ----

    static byte[] session(StoredSession.Record r) {
        return write(out -> {
            out.writeByte(r.protocolVersion());
            out.writeLong(r.expirySeconds());
            out.writeLong(r.disconnectedAtMillis());
            out.writeLong(r.firstSeq());
        });
    }

    static StoredSession.Record session(String clientId, byte[] value) throws CorruptRecordException {
        return read("session " + clientId, value, in -> new StoredSession.Record(clientId, in.readByte(), in.readLong(),
                in.readLong(), in.readLong()));
    }

    // ---- subscriptions ----

    static byte[] subscription(StoredSubscription s) {
        return write(out -> {
            out.writeByte(s.qos());
            out.writeBoolean(s.noLocal());
            out.writeBoolean(s.retainAsPublished());
            out.writeByte(s.retainHandling());
            out.writeInt(s.subscriptionId());
        });
    }

    static StoredSubscription subscription(String filter, byte[] value) throws CorruptRecordException {
        return read("subscription " + filter, value, in -> new StoredSubscription(filter, in.readByte(),
                in.readBoolean(), in.readBoolean(), in.readByte(), in.readInt()));
    }

    // ---- messages to sessions ----

    static byte[] message(StoredMessage m) {
        return write(out -> {
            out.writeLong(m.storedAtMillis());
            int[] ids = m.subscriptionIds();
            out.writeShort(ids.length);
            for (int id : ids) {
                out.writeInt(id);
            }
            writeMessage(out, m.message());
        });
    }

    /** @param sent the packet id and released flag from {@link #sent}, or null while queued */
    static StoredMessage message(long seq, byte[] value, byte[] sent) throws CorruptRecordException {
        int packetId = 0;
        boolean released = false;
        if (sent != null) {
            int[] s = read("message state " + seq, sent, in -> new int[] {in.readUnsignedShort(), in.readByte()});
            packetId = s[0];
            released = s[1] != 0;
        }
        int pid = packetId;
        boolean rel = released;
        return read("message " + seq, value, in -> {
            long storedAt = in.readLong();
            int[] ids = new int[in.readUnsignedShort()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = in.readInt();
            }
            return new StoredMessage(seq, readMessage(in), storedAt, ids, pid, rel);
        });
    }

    static byte[] sent(int packetId, boolean released) {
        return write(out -> {
            out.writeShort(packetId);
            out.writeByte(released ? 1 : 0);
        });
    }

    // ---- wills and retained messages ----

    static byte[] will(StoredWill w) {
        return write(out -> {
            writeMessage(out, w.message());
            out.writeUTF(w.clientTopic());
            writeNullable(out, w.username());
            out.writeLong(w.delaySeconds());
            out.writeLong(w.publishAtMillis());
        });
    }

    static StoredWill will(String clientId, byte[] value) throws CorruptRecordException {
        return read("will of " + clientId, value, in -> new StoredWill(readMessage(in), in.readUTF(),
                readNullable(in), in.readLong(), in.readLong()));
    }

    static byte[] retained(StoredRetained r) {
        return write(out -> {
            out.writeLong(r.storedAtMillis());
            writeMessage(out, r.message());
        });
    }

    static StoredRetained retained(String topic, byte[] value) throws CorruptRecordException {
        return read("retained message of " + topic, value, in -> {
            long storedAt = in.readLong();
            return new StoredRetained(readMessage(in), storedAt);
        });
    }

    // ---- shared parts ----

    private static void writeMessage(DataOutputStream out, Message m) throws IOException {
        out.writeUTF(m.topic());
        out.writeByte(m.qos());
        out.writeBoolean(m.retain());
        out.writeInt(m.payload().length);
        out.write(m.payload());
        MessageProperties p = m.properties();
        out.writeByte(p.payloadFormatUtf8() == null ? -1 : p.payloadFormatUtf8() ? 1 : 0);
        out.writeLong(p.messageExpirySeconds() == null ? -1 : p.messageExpirySeconds());
        writeNullable(out, p.contentType());
        writeNullable(out, p.responseTopic());
        if (p.correlationData() == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(p.correlationData().length);
            out.write(p.correlationData());
        }
        out.writeShort(p.userProperties().size());
        for (MessageProperties.UserProperty u : p.userProperties()) {
            out.writeUTF(u.name());
            out.writeUTF(u.value());
        }
    }

    private static Message readMessage(DataInputStream in) throws IOException {
        String topic = in.readUTF();
        int qos = in.readByte();
        boolean retain = in.readBoolean();
        byte[] payload = bytes(in, in.readInt());
        int pfi = in.readByte();
        long expiry = in.readLong();
        String contentType = readNullable(in);
        String responseTopic = readNullable(in);
        int correlationLength = in.readInt();
        byte[] correlation = correlationLength < 0 ? null : bytes(in, correlationLength);
        int users = in.readUnsignedShort();
        List<MessageProperties.UserProperty> userProperties = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            userProperties.add(new MessageProperties.UserProperty(in.readUTF(), in.readUTF()));
        }
        MessageProperties props = pfi < 0 && expiry < 0 && contentType == null && responseTopic == null
                && correlation == null && users == 0 ? MessageProperties.NONE
                        : new MessageProperties(pfi < 0 ? null : pfi == 1, expiry < 0 ? null : expiry, contentType,
                                responseTopic, correlation, userProperties);
        return new Message(topic, payload, qos, retain, props);
    }

    private static byte[] bytes(DataInputStream in, int length) throws IOException {
        if (length < 0 || length > in.available()) {
            throw new IOException("length " + length + " beyond the record's end");
        }
        return in.readNBytes(length);
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    private static <T> T read(String what, byte[] value, Reader<T> r) throws CorruptRecordException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IOException("record format " + format + ", this version of Pigeon reads format " + FORMAT);
            }
            T t = r.read(in);
            if (in.available() != 0) {
                throw new IOException(in.available() + " bytes after the record's end");
            }
            return t;
        } catch (IOException | RuntimeException e) {
            throw new CorruptRecordException(what, e);
        }
    }
}
