package io.pigeon.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** Eclipse Paho Java clients (v3 and v5) that queue what they receive; callbacks run on Paho's threads. */
final class Paho {
    private Paho() {
    }

    record Received(String topic, String payload, int qos, boolean retained, boolean dup,
            org.eclipse.paho.mqttv5.common.MqttMessage v5) {
    }

    /** Takes up to {@code n} messages from {@code queue}, waiting at most {@code timeout} in total. */
    static List<Received> take(BlockingQueue<Received> queue, int n, Duration timeout) {
        List<Received> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (got.size() < n) {
                long left = deadline - System.nanoTime();
                Received r = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                if (r == null) {
                    break;
                }
                got.add(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return got;
    }

    /** A Paho MQTT 3.1 / 3.1.1 client. */
    static final class V3 implements AutoCloseable {
        final MqttClient client;
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        volatile Throwable lost;

        V3(Broker b, String clientId, int mqttVersion, boolean clean) throws MqttException {
            client = new MqttClient(b.uri(), clientId, new MemoryPersistence());
            client.setTimeToWait(10_000);
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    lost = cause;
                }

                @Override
                public void messageArrived(String topic, MqttMessage m) {
                    received.add(new Received(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos(),
                            m.isRetained(), m.isDuplicate(), null));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setMqttVersion(mqttVersion);
            o.setCleanSession(clean);
            o.setAutomaticReconnect(false);
            o.setConnectionTimeout(10);
            o.setKeepAliveInterval(30);
            o.setMaxInflight(1000);
            client.connect(o);
        }

        V3(Broker b, String clientId) throws MqttException {
            this(b, clientId, MqttConnectOptions.MQTT_VERSION_3_1_1, true);
        }

        void publish(String topic, String payload, int qos, boolean retain) throws MqttException {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
        }

        List<Received> take(int n, Duration timeout) {
            return Paho.take(received, n, timeout);
        }

        @Override
        public void close() throws MqttException {
            if (client.isConnected()) {
                client.disconnect(0);
            }
            client.close(true);
        }
    }

    /** A Paho MQTT 5 client. */
    static final class V5 implements AutoCloseable {
        final org.eclipse.paho.mqttv5.client.MqttClient client;
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        volatile MqttDisconnectResponse disconnect;

        V5(Broker b, String clientId) throws org.eclipse.paho.mqttv5.common.MqttException {
            this(b, clientId, new MqttConnectionOptions());
        }

        V5(Broker b, String clientId, MqttConnectionOptions o) throws org.eclipse.paho.mqttv5.common.MqttException {
            client = new org.eclipse.paho.mqttv5.client.MqttClient(b.uri(), clientId,
                    new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            client.setTimeToWait(10_000);
            client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse response) {
                    disconnect = response;
                }

                @Override
                public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage m) {
                    received.add(new Received(topic, new String(m.getPayload(), StandardCharsets.UTF_8), m.getQos(),
                            m.isRetained(), m.isDuplicate(), m));
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
            o.setAutomaticReconnect(false);
            o.setConnectionTimeout(10);
            o.setKeepAliveInterval(30);
            client.connect(o);
        }

        void subscribe(MqttSubscription... subs) throws org.eclipse.paho.mqttv5.common.MqttException {
            IMqttToken t = client.subscribe(subs);
            for (int rc : t.getReasonCodes()) {
                if (rc >= 0x80) {
                    throw new AssertionError("subscription refused with reason code 0x" + Integer.toHexString(rc));
                }
            }
        }

        void publish(String topic, String payload, int qos, boolean retain) throws org.eclipse.paho.mqttv5.common.MqttException {
            client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
        }

        List<Received> take(int n, Duration timeout) {
            return Paho.take(received, n, timeout);
        }

        @Override
        public void close() throws org.eclipse.paho.mqttv5.common.MqttException {
            if (client.isConnected()) {
                client.disconnect(0);
            }
            client.close(true);
        }
    }
}
