package io.pigeon.broker.internal.handler.connect;

import java.util.UUID;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringProperty;
import io.pigeon.broker.BrokerEvent;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.internal.BrokerSettings;
import io.pigeon.broker.internal.MqttBroker;
import io.pigeon.broker.internal.handler.MqttConnection;
import io.pigeon.broker.internal.handler.MqttMessageGuard;
import io.pigeon.broker.internal.handler.MqttProtocolException;
import io.pigeon.broker.internal.handler.ReasonCodes;
import io.pigeon.broker.internal.handler.disconnect.ConnectionLifecycle;
import io.pigeon.broker.internal.message.MessageConversion;
import io.pigeon.broker.internal.message.PublishedMessage;
import io.pigeon.broker.internal.session.Session;
import io.pigeon.broker.internal.will.WillMessage;
import io.pigeon.broker.spi.Authenticator;
import io.pigeon.broker.spi.ClientIdentity;
import io.pigeon.broker.spi.StoredWill;

/**
 * CONNECT: checks flags and fields first (like Mosquitto's {@code handle_connect.c}), assigns a client id,
 * authenticates, opens or takes over the session and answers with CONNACK.
 * <p>
 * Runs on the connection's event loop; opening a session held by a connection on another loop
 * continues later on this loop (the connection buffers packets until then).
 */
public final class ConnectService {

    private static final long NEVER = BrokerSettings.NEVER;

    private final MqttBroker broker;
    private final ConnectionLifecycle lifecycle;

    public ConnectService(MqttBroker broker, ConnectionLifecycle lifecycle) {
        this.broker = broker;
        this.lifecycle = lifecycle;
    }

    public void connect(MqttConnection conn, MqttConnectMessage msg) {
        MqttConnectVariableHeader vh = msg.variableHeader();
        MqttConnectPayload payload = msg.payload();
        BrokerSettings s = broker.settings();
        int level = vh.version();
        conn.protocolLevel(level);
        boolean v5 = level == 5;
        MqttProperties props = vh.properties();

        if (vh.isWillFlag()) {
            if (vh.willQos() > 2) {
                throw new MqttProtocolException(ReasonCodes.MALFORMED_PACKET, "will QoS 3");
            }
            if (!TopicFilters.isValidTopicName(payload.willTopic())) {
                refuse(conn, v5 ? ReasonCodes.TOPIC_NAME_INVALID : ReasonCodes.NONE, "invalid will topic");
                return;
            }
            if (vh.willQos() > conn.maxQos()) {
                refuse(conn, v5 ? ReasonCodes.QOS_NOT_SUPPORTED : ReasonCodes.NONE, "will QoS above max_qos");
                return;
            }
            if (vh.isWillRetain() && !s.retainAvailable()) {
                refuse(conn, v5 ? ReasonCodes.RETAIN_NOT_SUPPORTED : ReasonCodes.NONE, "retained will not available");
                return;
            }
        } else if (vh.willQos() != 0 || vh.isWillRetain()) {
            throw new MqttProtocolException(ReasonCodes.MALFORMED_PACKET, "will QoS or retain set without a will");
        }
        if (level != 3 && vh.hasPassword() && !vh.hasUserName() && !v5) {
            throw new MqttProtocolException(ReasonCodes.MALFORMED_PACKET, "password without user name");
        }

        String clientId = payload.clientIdentifier() == null ? "" : payload.clientIdentifier();
        boolean assigned = false;
        if (clientId.isEmpty()) {
            if (!s.allowZeroLengthClientId() || (!vh.isCleanSession() && !v5)) {
                refuse(conn, v5 ? ReasonCodes.CLIENT_ID_NOT_VALID : ReasonCodes.V3_IDENTIFIER_REJECTED,
                        "empty client id not allowed");
                return;
            }
            clientId = s.autoIdPrefix() + UUID.randomUUID();
            assigned = true;
        }

        int receiveMaximum = 65535;
        int maxPacketSize = 0;
        int topicAliasMaximum = 0;
        long expiry;
        if (v5) {
            if (props.getProperty(MqttProperties.AUTHENTICATION_METHOD) != null) {
                refuse(conn, ReasonCodes.BAD_AUTHENTICATION_METHOD, "authentication method not supported");
                return;
            }
            Integer rm = intProp(props, MqttProperties.RECEIVE_MAXIMUM);
            if (rm != null) {
                if (rm == 0) {
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "Receive Maximum 0");
                }
                receiveMaximum = rm;
            }
            Integer mps = intProp(props, MqttProperties.MAXIMUM_PACKET_SIZE);
            if (mps != null) {
                if (mps == 0) {
                    throw new MqttProtocolException(ReasonCodes.PROTOCOL_ERROR, "Maximum Packet Size 0");
                }
                maxPacketSize = mps < 0 ? Integer.MAX_VALUE : mps;
            }
            Integer tam = intProp(props, MqttProperties.TOPIC_ALIAS_MAXIMUM);
            topicAliasMaximum = tam == null ? 0 : tam;
            Integer sei = intProp(props, MqttProperties.SESSION_EXPIRY_INTERVAL);
            expiry = sei == null ? 0 : (sei == -1 ? NEVER : Integer.toUnsignedLong(sei));
        } else {
            expiry = vh.isCleanSession() ? 0 : s.persistentClientExpirationSeconds();
        }
        conn.connectExpirySeconds(expiry);

        int keepAlive = vh.keepAliveTimeSeconds();
        int serverKeepAlive = -1;
        if (s.maxKeepalive() > 0 && keepAlive > s.maxKeepalive()) {
            if (!v5) {
                refuse(conn, ReasonCodes.V3_IDENTIFIER_REJECTED,
                        "keep alive " + keepAlive + " above max_keepalive " + s.maxKeepalive());
                return;
            }
            serverKeepAlive = s.maxKeepalive();
            keepAlive = serverKeepAlive;
        }

        String username = payload.userName();
        if (conn.usernameFromCertificate()) {
            // use_identity_as_username: the certificate checked in the TLS handshake is the credential, as in Mosquitto
            username = conn.certificateUsername();
            if (username == null) {
                refuse(conn, ReasonCodes.authenticationCode(Authenticator.Result.NOT_AUTHORIZED, level),
                        "no user name in the client certificate");
                return;
            }
        }
        ClientIdentity identity = new ClientIdentity(clientId, username, conn.remoteAddress(), level,
                conn.listenerName());
        Authenticator.Result auth = conn.usernameFromCertificate() ? Authenticator.Result.ACCEPT
                : broker.authenticator().authenticate(identity, vh.hasPassword() ? payload.passwordInBytes() : null);
        if (auth != Authenticator.Result.ACCEPT) {
            boolean bad = auth == Authenticator.Result.BAD_CREDENTIALS;
            refuse(conn, ReasonCodes.authenticationCode(auth, level), bad ? "bad user name or password"
                    : "not authorized");
            return;
        }

        conn.identity(identity);
        conn.clientLimits(receiveMaximum, maxPacketSize, topicAliasMaximum);
        if (vh.isWillFlag()) {
            MqttProperties wp = payload.willProperties();
            Integer delay = v5 ? intProp(wp, MqttProperties.WILL_DELAY_INTERVAL) : null;
            conn.will(new WillMessage(conn.mount(payload.willTopic()), payload.willMessageInBytes(), vh.willQos(),
                    vh.isWillRetain(), MessageConversion.passThrough(wp), MessageConversion.expirySeconds(wp),
                    delay == null ? 0 : Integer.toUnsignedLong(delay)));
        }
        conn.state(MqttConnection.State.CONNECTING);
        boolean cleanStart = vh.isCleanSession();
        boolean assignedId = assigned;
        int ka = keepAlive;
        int ska = serverKeepAlive;
        broker.sessions().open(clientId, cleanStart, expiry, conn, level, conn.channel().eventLoop(),
                (session, present) -> opened(conn, session, present, assignedId, ka, ska, cleanStart));
    }

    private void opened(MqttConnection conn, Session session, boolean present, boolean assigned, int keepAlive,
            int serverKeepAlive, boolean cleanStart) {
        conn.session(session);
        conn.connected(cleanStart, System.currentTimeMillis());
        conn.state(MqttConnection.State.CONNECTED);
        broker.metrics().clientConnected();
        if (!conn.channel().isActive()) {
            lifecycle.connectionClosed(conn);
            return;
        }
        conn.readTimeout(keepAlive * 1500L);
        BrokerSettings s = broker.settings();
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (conn.isV5()) {
            props = new MqttProperties();
            if (assigned) {
                props.add(new StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, conn.clientId()));
            }
            if (s.inflightWindow() < 65535) {
                props.add(new IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, s.inflightWindow()));
            }
            if (conn.maxQos() < 2) {
                props.add(new IntegerProperty(MqttProperties.MAXIMUM_QOS, conn.maxQos()));
            }
            if (!s.retainAvailable()) {
                props.add(new IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 0));
            }
            if (s.maxPacketSize() > 0) {
                props.add(new IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, s.maxPacketSize()));
            }
            if (conn.maxTopicAlias() > 0) {
                props.add(new IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, conn.maxTopicAlias()));
            }
            if (serverKeepAlive >= 0) {
                props.add(new IntegerProperty(MqttProperties.SERVER_KEEP_ALIVE, serverKeepAlive));
            }
        }
        conn.sendConnack(0, present && !cleanStart, props);
        broker.log().info("New client connected from " + conn.remoteAddress() + " as " + conn.clientId() + " (p"
                + conn.protocolLevel() + ", c" + (cleanStart ? 1 : 0) + ", k" + keepAlive
                + (conn.identity().username() == null ? "" : ", u'" + conn.identity().username() + "'") + ")");
        broker.events().fire(BrokerEvent.Type.CLIENT_CONNECTED, conn.clientId(), conn.remoteAddress(), null, 0, null);
        if (session.isDurable()) {
            session.connectWill(storedWill(conn));
        }
        session.resume();
        MqttMessageGuard.replayPending(conn);
    }

    /** The connection's will as the store keeps it, or null when the client gave none. */
    private StoredWill storedWill(MqttConnection conn) {
        WillMessage will = conn.will();
        if (will == null) {
            return null;
        }
        long now = broker.nanoTime();
        PublishedMessage m = new PublishedMessage(will.topic(), Unpooled.wrappedBuffer(will.payload()), will.qos(),
                will.retain(), will.properties(), MessageConversion.expiryDeadline(will.expirySeconds(), now),
                conn.clientId());
        return new StoredWill(MessageConversion.toApi(m, will.qos(), will.retain(), now), conn.unmount(will.topic()),
                conn.identity().username(), will.delaySeconds(), 0);
    }

    private static void refuse(MqttConnection conn, int code, String reason) {
        conn.broker().log().info("Refused CONNECT from " + conn.describe() + ": " + reason);
        if (code == ReasonCodes.NONE) {
            conn.close(ReasonCodes.NONE, null);
        } else {
            conn.refuseConnect(code, reason);
        }
    }

    private static Integer intProp(MqttProperties props, int id) {
        MqttProperty<?> p = props == null ? null : props.getProperty(id);
        return p == null ? null : (Integer) p.value();
    }
}
