package io.pigeon.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.pigeon.broker.Broker;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ConnectionState;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;
import io.pigeon.client.internal.remote.ClientEventLoops;
import io.pigeon.client.internal.remote.RemoteClient;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@link MqttClients} service. Bundle scoped: each bundle that uses it gets its own instance, which keeps the
 * clients that bundle opened, so that clients a bundle leaves open when it stops are ended (and their wills
 * published) instead of leaking.
 * <p>
 * Remote clients share the event loops of {@link ClientEventLoops}. The {@link Broker} reference is optional and
 * dynamic: embedded clients outlive a broker restart (DISCONNECTED in
 * between) and remote clients do not need a broker at all.
 */
@Component(service = MqttClients.class, scope = ServiceScope.BUNDLE)
public final class ClientsComponent implements MqttClients {

    private final Logger log;
    private final ClientEventLoops loops;
    private final Set<EmbeddedClient> embedded = ConcurrentHashMap.newKeySet();
    private final Set<OwnedClient> open = ConcurrentHashMap.newKeySet();
    private final String owner;
    private volatile Broker broker;

    @Activate
    public ClientsComponent(@Reference(service = LoggerFactory.class) Logger log, @Reference ClientEventLoops loops,
            ComponentContext context) {
        this.log = log;
        this.loops = loops;
        Bundle user = context.getUsingBundle();
        this.owner = user == null ? "?" : user.getSymbolicName() + " [" + user.getBundleId() + "]";
    }

    @Override
    public MqttClient open(ClientOptions options) {
        List<ServerUri> servers = ServerUri.parseAll(options.servers());
        if (servers.get(0).isEmbedded()) {
            EmbeddedClient client = new EmbeddedClient(options, log);
            track(client);
            embedded.add(client);
            Broker b = broker;
            if (b != null) {
                client.brokerAvailable(b);
                client.resume(b);
            } else {
                client.brokerMissing();
            }
            return client;
        }
        RemoteClient client = new RemoteClient(options, servers, loops.next(), log);
        track(client);
        client.start();
        return client;
    }

    /** Keeps {@code client} until it is closed, to end it if its bundle leaves it open. */
    private void track(OwnedClient client) {
        open.add(client);
        client.addStateListener((state, reason) -> {
            if (state == ConnectionState.CLOSED) {
                open.remove(client);
                embedded.remove(client);
            }
        });
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setBroker(Broker b) {
        broker = b;
        // Every client subscribes before any sends what it buffered, as on a broker that kept their sessions.
        List<EmbeddedClient> clients = new ArrayList<>(embedded);
        for (EmbeddedClient c : clients) {
            c.brokerAvailable(b);
        }
        for (EmbeddedClient c : clients) {
            c.resume(b);
        }
    }

    void unsetBroker(Broker b) {
        if (broker == b) {
            broker = null;
        }
        for (EmbeddedClient c : embedded) {
            c.brokerGone(b);
        }
    }

    @Deactivate
    void deactivate() {
        List<OwnedClient> left = new ArrayList<>(open);
        if (!left.isEmpty()) {
            log.warn("Bundle " + owner + " released the MQTT client service with " + left.size() + " client(s) still "
                    + "open; they are ended as dropped connections (wills published). Close clients in the "
                    + "component's @Deactivate.");
        }
        left.forEach(OwnedClient::abandon);
        open.clear();
        embedded.clear();
    }
}
