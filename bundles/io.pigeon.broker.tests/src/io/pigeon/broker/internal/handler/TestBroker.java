package io.pigeon.broker.internal.handler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.ListenerSettings;
import io.pigeon.broker.internal.LogCapture;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.TestClock;
import io.pigeon.broker.internal.netty.MqttChannelInitializer;
import io.pigeon.broker.spi.Authenticator;

/** A broker core with a captured log and a test clock, and clients on EmbeddedChannels. */
public final class TestBroker {

    public final LogCapture log = new LogCapture();
    public final TestClock clock = new TestClock();
    public final MqttBroker broker;
    final MqttChannelInitializer.Handlers handlers;

    public TestBroker() {
        this(BrokerSettings.defaults());
    }

    /** Every broker of the running test class, so what their sessions hold can be released before the leak check. */
    private static final List<TestBroker> CREATED = new CopyOnWriteArrayList<>();

    public TestBroker(BrokerSettings settings) {
        CREATED.add(this);
        broker = new MqttBroker(settings, log.logger(), clock);
        handlers = new MqttChannelInitializer.Handlers(broker);
        // EmbeddedChannels have no loopback address; the broker's own "local clients only" default is
        // tested on its own
        broker.authenticator((client, password) -> Authenticator.Result.ACCEPT);
    }

    public TestClient client(int protocolLevel) {
        return new TestClient(this, protocolLevel, ListenerSettings.NONE);
    }

    /** A client of a listener with its own settings. */
    public TestClient client(int protocolLevel, ListenerSettings listener) {
        return new TestClient(this, protocolLevel, listener);
    }

    /** Connects a client with a clean session and returns it after checking CONNACK 0. */
    public TestClient connected(String clientId, int protocolLevel) {
        TestClient c = client(protocolLevel);
        c.connect(clientId, true);
        c.expectConnack(0);
        return c;
    }

    /** Defaults with a few changes, for tests. */
    public static BrokerSettings settings(int maxInflight, int maxQueued, int maxQos, int maxPacket, int maxTopicAlias) {
        BrokerSettings d = BrokerSettings.defaults();
        return new BrokerSettings(maxInflight, maxQueued, d.maxQueuedBytes(), maxPacket, d.messageSizeLimit(),
                d.maxKeepalive(), maxQos, d.retainAvailable(), d.allowZeroLengthClientId(), d.autoIdPrefix(),
                d.persistentClientExpirationSeconds(), d.tcpNoDelay(), d.sysIntervalSeconds(), d.upgradeOutgoingQos(),
                maxTopicAlias, d.queueQos0Messages(), d.maxConnections());
    }

    /**
     * Releases what the test clients' channels and the brokers' sessions still hold: packets a test did not read and
     * messages queued for clients that never came back, as a stopping broker does.
     */
    public static void releaseAll() {
        TestClient.releaseAll();
        for (TestBroker test : CREATED) {
            test.broker.sessions().releaseAll();
        }
        CREATED.clear();
    }
}
