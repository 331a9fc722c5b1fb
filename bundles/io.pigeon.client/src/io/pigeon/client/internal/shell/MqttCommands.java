package io.pigeon.client.internal.shell;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.pigeon.broker.Message;
import io.pigeon.broker.TopicFilters;
import io.pigeon.client.ClientOptions;
import io.pigeon.client.ClientSubscription;
import io.pigeon.client.MqttClient;
import io.pigeon.client.MqttClients;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo commands {@code pigeon:pub} and {@code pigeon:sub}, the mosquitto_pub and mosquitto_sub of the runtime, with
 * their option letters. They go through the gateway's connection, or with {@code -L URI} through a connection of their
 * own to any broker. Output goes to the shell session's console.
 */
@Component(service = MqttCommands.class, property = {"osgi.command.scope=pigeon", "osgi.command.function=pub",
    "osgi.command.function=sub"})
public final class MqttCommands {

    private static final long ACK_TIMEOUT_SECONDS = 10;

    private final MqttClients clients;
    private volatile MqttClient gateway;

    @Activate
    public MqttCommands(@Reference MqttClients clients) {
        this.clients = clients;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + MqttClients.NAME_PROPERTY + "=" + MqttClients.GATEWAY + ")")
    void setGateway(MqttClient client) {
        gateway = client;
    }

    void unsetGateway(MqttClient client) {
        if (gateway == client) {
            gateway = null;
        }
    }

    @Descriptor("publish one message, like mosquitto_pub (QoS 1/2 wait for the broker's acknowledgement)")
    public void pub(CommandSession session,
            @Descriptor("topic to publish to") @Parameter(names = {"-t", "--topic"}, absentValue = "") String topic,
            @Descriptor("message payload (text)") @Parameter(names = {"-m", "--message"}, absentValue = "")
            String payload,
            @Descriptor("send a zero-length message") @Parameter(names = {"-n", "--null-message"},
                    absentValue = "false", presentValue = "true") boolean nullMessage,
            @Descriptor("QoS 0, 1 or 2") @Parameter(names = {"-q", "--qos"}, absentValue = "0") int qos,
            @Descriptor("retain the message") @Parameter(names = {"-r", "--retain"}, absentValue = "false",
                    presentValue = "true") boolean retain,
            @Descriptor("broker URI such as mqtt://host:1883; default: the gateway's connection")
            @Parameter(names = {"-L", "--url"}, absentValue = "") String url,
            @Descriptor("user name, with -L") @Parameter(names = {"-u", "--username"}, absentValue = "")
            String username,
            @Descriptor("password, with -L") @Parameter(names = {"-P", "--pw"}, absentValue = "") String password)
            throws Exception {
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("give a topic with -t, e.g. pigeon:pub -t sensors/t -m 21.4");
        }
        if (!TopicFilters.isValidTopicName(topic)) {
            throw new IllegalArgumentException("'" + topic + "' is not a topic to publish to: no + or #");
        }
        checkQos(qos);
        if (payload.isEmpty() && !nullMessage) {
            throw new IllegalArgumentException("give a message with -m, or -n for a zero-length one");
        }
        byte[] bytes = nullMessage ? new byte[0] : payload.getBytes(StandardCharsets.UTF_8);
        try (Connection c = connection(url, username, password)) {
            await(c.client.publish(new Message(topic, bytes, qos, retain)), "the broker's acknowledgement");
        }
    }

    @Descriptor("print messages as they arrive, like mosquitto_sub; stops after -C messages, -W seconds or Ctrl-C")
    public void sub(CommandSession session,
            @Descriptor("topic filter to subscribe to") @Parameter(names = {"-t", "--topic"}, absentValue = "")
            String filter,
            @Descriptor("QoS 0, 1 or 2") @Parameter(names = {"-q", "--qos"}, absentValue = "0") int qos,
            @Descriptor("print the topic before each message") @Parameter(names = {"-v", "--verbose"},
                    absentValue = "false", presentValue = "true") boolean verbose,
            @Descriptor("stop after this many messages; 0 for no limit") @Parameter(names = {"-C"}, absentValue = "0")
            int count,
            @Descriptor("stop after this many seconds; 0 for no limit") @Parameter(names = {"-W"}, absentValue = "0")
            int seconds,
            @Descriptor("broker URI such as mqtt://host:1883; default: the gateway's connection")
            @Parameter(names = {"-L", "--url"}, absentValue = "") String url,
            @Descriptor("user name, with -L") @Parameter(names = {"-u", "--username"}, absentValue = "")
            String username,
            @Descriptor("password, with -L") @Parameter(names = {"-P", "--pw"}, absentValue = "") String password)
            throws Exception {
        if (filter.isEmpty()) {
            throw new IllegalArgumentException("give a topic filter with -t, e.g. pigeon:sub -t 'sensors/#' -v");
        }
        String problem = TopicFilters.filterProblem(filter);
        if (problem != null) {
            throw new IllegalArgumentException("'" + filter + "' is not a topic filter: " + problem);
        }
        checkQos(qos);
        PrintStream out = session.getConsole();
        // Handlers run on network or broker threads; the console belongs to this command's thread.
        LinkedBlockingQueue<Message> arrived = new LinkedBlockingQueue<>();
        long end = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
        try (Connection c = connection(url, username, password)) {
            ClientSubscription sub = await(c.client.subscribe(filter, qos, arrived::add), "the SUBACK");
            try {
                int printed = 0;
                while (count == 0 || printed < count) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    Message m = arrived.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
                    if (m != null) {
                        String text = new String(m.payload(), StandardCharsets.UTF_8);
                        out.println(verbose ? m.topic() + " " + text : text);
                        out.flush();
                        printed++;
                    }
                }
            } catch (InterruptedException e) {
                // Ctrl-C in the shell
                Thread.currentThread().interrupt();
            } finally {
                sub.unsubscribe();
            }
        }
    }

    private static void checkQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("-q " + qos + ": give 0, 1 or 2");
        }
    }

    private static <T> T await(CompletionStage<T> stage, String what) throws Exception {
        try {
            return stage.toCompletableFuture().get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("no " + what + " within " + ACK_TIMEOUT_SECONDS + " s: check the connection "
                    + "(the message waits in the offline buffer while the client is disconnected)");
        }
    }

    /** The gateway's connection, or one of the command's own for -L, closed after the command. */
    private Connection connection(String url, String username, String password) throws Exception {
        if (url.isEmpty()) {
            MqttClient g = gateway;
            if (g == null) {
                throw new IllegalStateException("the gateway connection is not running: check the configuration "
                        + "io.pigeon.client in the log, or give a broker with -L mqtt://host:1883");
            }
            return new Connection(g, false);
        }
        MqttClient own = clients.open(ClientOptions.builder(url).clientId("")
                .credentials(username.isEmpty() ? null : username, password.isEmpty() ? null : password)
                .offlineBuffer(0, ClientOptions.DropPolicy.DROP_NEWEST).build());
        try {
            await(own.connected(), "connection to " + url);
        } catch (Exception e) {
            own.close();
            throw e;
        }
        return new Connection(own, true);
    }

    private record Connection(MqttClient client, boolean own) implements AutoCloseable {
        @Override
        public void close() {
            if (own) {
                client.close();
            }
        }
    }
}
