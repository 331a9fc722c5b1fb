package io.pigeon.console.internal;

import java.util.concurrent.CompletionStage;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.pigeon.broker.Broker;
import io.pigeon.broker.Message;
import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.Subscription;
import io.pigeon.broker.TopicFilters;
import io.pigeon.broker.spi.Authorizer;
import io.pigeon.broker.spi.ClientIdentity;

/**
 * The console's way into the broker, with the logged-in user's rights. The in-process {@link Broker} API checks no
 * rights itself, so every call here first asks the broker's {@link Authorizer} (the same service the broker asks for
 * network clients, e.g. io.pigeon.auth's acl_file rules) about an MQTT client with the console user's name:
 * client id {@code pigeon-console/<user>}, user name {@code <user>}, the browser's address, MQTT 5. A console user
 * therefore has exactly the rights of the MQTT user of the same name. Without an authorizer the broker lets every
 * client use every topic, and so does the console (it still requires a login). Delivery is checked per message with
 * {@link Authorizer#canReceive}, as the broker does for its clients.
 */
@Component(service = BrokerGate.class)
public final class BrokerGate {

    /** Raised when the authorizer refuses; the message is shown to the user. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final Broker broker;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Authorizer authorizer;

    @Activate
    public BrokerGate(@Reference Broker broker) {
        this.broker = broker;
    }

    /** The broker itself, for what needs no rights (the GPIO page's discovery of state topics). */
    Broker broker() {
        return broker;
    }

        static ClientIdentity identity(String user, String remoteAddress) {
        return new ClientIdentity("pigeon-console/" + user, user, remoteAddress, 5);
    }

    CompletionStage<Void> publish(ClientIdentity who, Message message) throws Refused {
        if (!TopicFilters.isValidTopicName(message.topic())) {
            throw new IllegalArgumentException("\"" + message.topic() + "\" is not a valid topic name (no + or #, "
                    + "not empty, at most 65535 bytes)");
        }
        if (message.topic().startsWith("$")) {
            throw new Refused("topics starting with $ belong to the broker");
        }
        Authorizer a = authorizer;
        if (a != null && !a.canPublish(who, message.topic())) {
            throw new Refused("user " + who.username() + " may not publish to " + message.topic()
                    + " (acl_file); add a `topic write` rule for this user");
        }
        return broker.publish(message);
    }

    Subscription subscribe(ClientIdentity who, String filter, MessageHandler handler) throws Refused {
        String problem = TopicFilters.filterProblem(filter);
        if (problem != null) {
            throw new IllegalArgumentException("\"" + filter + "\" is not a valid topic filter: " + problem);
        }
        Authorizer a = authorizer;
        if (a != null && !a.canSubscribe(who, filter)) {
            throw new Refused("user " + who.username() + " may not subscribe to " + filter
                    + " (acl_file); add a `topic read` rule for this user");
        }
        // QoS 2: each message comes with the QoS it was published with, which the page shows
        return broker.subscribe(filter, 2, m -> {
            if (canReceive(who, m.topic())) {
                handler.onMessage(m);
            }
        });
    }

    boolean canReceive(ClientIdentity who, String topic) {
        Authorizer a = authorizer;
        return a == null || a.canReceive(who, topic);
    }
}
