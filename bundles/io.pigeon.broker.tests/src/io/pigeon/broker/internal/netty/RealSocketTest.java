package io.pigeon.broker.internal.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;

import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.LogCapture;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.LeakDetection;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real server on an ephemeral loopback port, spoken to with raw bytes. */
@ExtendWith(LeakDetection.class)
class RealSocketTest {

    private final LogCapture log = new LogCapture();
    private MqttBroker broker;
    private NettyServer server;
    private NettyServer.Handle listener;
    private boolean stopped;

    @BeforeEach
    void start() {
        broker = new MqttBroker(BrokerSettings.defaults(), log.logger(), System::nanoTime);
        server = new NettyServer(broker, Transport.best(), 2, () -> { });
        broker.listenersSource(server::listeners);
        listener = server.open("127.0.0.1", 0, 2, ListenerSettings.NONE);
    }

    @AfterEach
    void stop() {
        if (!stopped) {
            listener.close();
            server.shutdown();
        }
    }

    private Socket connect(String clientId) throws Exception {
        Socket s = new Socket("127.0.0.1", server.firstPort());
        s.setSoTimeout(5000);
        byte[] id = clientId.getBytes();
        OutputStream out = s.getOutputStream();
        out.write(new byte[] {0x10, (byte) (12 + id.length), 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0,
                (byte) id.length});
        out.write(id);
        out.flush();
        byte[] connack = new byte[4];
        new DataInputStream(s.getInputStream()).readFully(connack);
        assertArrayEquals(new byte[] {0x20, 2, 0, 0}, connack);
        return s;
    }

    @Test
    void subscribePublishOverTcp() throws Exception {
        List<String> uris = broker.listeners();
        assertEquals(1, uris.size());
        assertTrue(uris.get(0).startsWith("mqtt://127.0.0.1:"), uris.toString());
        try (Socket sub = connect("raw-sub"); Socket pub = connect("raw-pub")) {
            sub.getOutputStream().write(new byte[] {(byte) 0x82, 6, 0, 1, 0, 1, 't', 0});
            byte[] suback = new byte[5];
            new DataInputStream(sub.getInputStream()).readFully(suback);
            assertArrayEquals(new byte[] {(byte) 0x90, 3, 0, 1, 0}, suback);
            pub.getOutputStream().write(new byte[] {0x30, 5, 0, 1, 't', 'h', 'i'});
            byte[] publish = new byte[7];
            new DataInputStream(sub.getInputStream()).readFully(publish);
            assertArrayEquals(new byte[] {0x30, 5, 0, 1, 't', 'h', 'i'}, publish);
        }
    }

    @Test
    void shutdownSendsServerShuttingDownToV5Clients() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.firstPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 5, 2, 0, 60, 0, 0, 3, 'v', '5', 'c'});
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertEquals(0x20, in.readUnsignedByte());
            in.readFully(new byte[in.readUnsignedByte()]);
            server.shutdown();
            stopped = true;
            int first;
            try {
                first = in.readUnsignedByte();
            } catch (java.io.EOFException e) {
                throw new AssertionError("closed without DISCONNECT; log: " + log.lines(), e);
            }
            assertEquals(0xE0, first, "DISCONNECT");
            in.readUnsignedByte();
            assertEquals(0x8B, in.readUnsignedByte(), "reason code Server shutting down");
        }
    }

    @Test
    void maxConnectionsIsHonoured() throws Exception {
        try (Socket a = connect("a"); Socket b = connect("b"); Socket c = new Socket("127.0.0.1", server.firstPort())) {
            c.setSoTimeout(5000);
            assertEquals(-1, c.getInputStream().read(), "third connection is closed by the server");
        }
    }

    @Test
    void sharedListenerSurvivesOneHandleClosing() throws Exception {
        NettyServer.Handle second = server.open("127.0.0.1", server.firstPort(), -1, ListenerSettings.NONE);
        second.close();
        try (Socket s = connect("still-listening")) {
            assertTrue(s.isConnected());
        }
    }
}
