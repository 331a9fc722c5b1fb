package io.pigeon.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.pigeon.broker.MessageHandler;
import io.pigeon.broker.TopicFilters;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The message handler whiteboard: every {@link MessageHandler} service with a {@value MqttClients#TOPIC_PROPERTY}
 * property is subscribed through the gateway's connection while it is registered, at {@value MqttClients#QOS_PROPERTY}
 * (default 0), and unsubscribed when it is unregistered (its component deactivated, its bundle stopped or updated)
 * or its properties change.
 * <p>
 * The gateway connection is a static reference: when its configuration changes, this component is created again on
 * the new connection and subscribes every handler again.
 */
@Component(immediate = true, service = {})
public final class HandlerWhiteboard {

    private final MqttClient gateway;
    private final Logger log;
    private final Map<ServiceReference<MessageHandler>, List<ClientSubscription>> subscribed = new ConcurrentHashMap<>();

    @Activate
    public HandlerWhiteboard(
            @Reference(target = "(" + MqttClients.NAME_PROPERTY + "=" + MqttClients.GATEWAY + ")") MqttClient gateway,
            @Reference(service = LoggerFactory.class) Logger log) {
        this.gateway = gateway;
        this.log = log;
    }

    @Deactivate
    void deactivate() {
        for (ServiceReference<MessageHandler> r : new ArrayList<>(subscribed.keySet())) {
            unsubscribe(r);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + MqttClients.TOPIC_PROPERTY + "=*)")
    void addHandler(MessageHandler handler, ServiceReference<MessageHandler> reference) {
        // DS binds dynamic references after the constructor has the gateway, so subscribing here is safe.
        subscribe(reference, handler);
    }

    void updatedHandler(MessageHandler handler, ServiceReference<MessageHandler> reference) {
        unsubscribe(reference);
        subscribe(reference, handler);
    }

    void removeHandler(MessageHandler handler, ServiceReference<MessageHandler> reference) {
        unsubscribe(reference);
    }

    private void subscribe(ServiceReference<MessageHandler> reference, MessageHandler handler) {
        String who = describe(reference);
        List<String> filters = filters(reference.getProperty(MqttClients.TOPIC_PROPERTY));
        Integer qos = qos(reference.getProperty(MqttClients.QOS_PROPERTY));
        if (qos == null) {
            log.error("Message handler " + who + " not subscribed: " + MqttClients.QOS_PROPERTY + " = '"
                    + reference.getProperty(MqttClients.QOS_PROPERTY) + "' is not 0, 1 or 2; fix the service property");
            return;
        }
        List<ClientSubscription> made = new ArrayList<>();
        subscribed.put(reference, made);
        for (String filter : filters) {
            String problem = TopicFilters.filterProblem(filter);
            if (problem != null) {
                log.error("Message handler " + who + ": '" + filter + "' in " + MqttClients.TOPIC_PROPERTY
                        + " is not a valid topic filter (" + problem + "); its other filters are subscribed, fix the "
                        + "service property");
                continue;
            }
            gateway.subscribe(filter, qos, handler).whenComplete((subscription, failure) -> {
                if (failure != null) {
                    log.error("Message handler " + who + " not subscribed to '" + filter + "': "
                            + failure.getMessage());
                    return;
                }
                boolean keep;
                synchronized (made) {
                    keep = subscribed.get(reference) == made;
                    if (keep) {
                        made.add(subscription);
                    }
                }
                if (!keep) {
                    // The handler went away while the subscription was being made.
                    subscription.unsubscribe();
                }
            });
        }
        log.debug("Message handler " + who + " subscribed to " + filters + " at QoS " + qos);
    }

    private void unsubscribe(ServiceReference<MessageHandler> reference) {
        List<ClientSubscription> made = subscribed.remove(reference);
        if (made == null) {
            return;
        }
        synchronized (made) {
            made.forEach(ClientSubscription::unsubscribe);
            made.clear();
        }
    }

    private static List<String> filters(Object property) {
        List<String> out = new ArrayList<>();
        if (property instanceof String s) {
            out.add(s);
        } else if (property instanceof String[] array) {
            out.addAll(List.of(array));
        } else if (property instanceof Iterable<?> items) {
            items.forEach(i -> out.add(String.valueOf(i)));
        } else if (property != null) {
            out.add(String.valueOf(property));
        }
        return out;
    }

    /** The QoS property as 0..2, 0 when absent, null when it is something else. */
    private static Integer qos(Object property) {
        if (property == null) {
            return 0;
        }
        int q;
        if (property instanceof Number n) {
            q = n.intValue();
        } else {
            try {
                q = Integer.parseInt(String.valueOf(property).trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return q >= 0 && q <= 2 ? q : null;
    }

    private static String describe(ServiceReference<?> reference) {
        Bundle b = reference.getBundle();
        Object component = reference.getProperty("component.name");
        return (component != null ? component : "service " + reference.getProperty(Constants.SERVICE_ID))
                + " of bundle " + (b == null ? "?" : b.getSymbolicName() + " [" + b.getBundleId() + "]");
    }
}
