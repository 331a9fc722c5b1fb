package io.pigeon.bridge;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** One running bridge to an upstream broker, as a status to show (console, shell). Thread safe. */
@ProviderType
public interface Bridge {

    /**
     * Service property with the connection name, as in {@code connection NAME}: the configuration key io.pigeon.config
     * writes it under, which DS passes on to the service.
     */
    String NAME_PROPERTY = "name";

    /** The connection name. */
    String name();

    /** True while the upstream broker has accepted the bridge's connection. */
    boolean connected();

    /** Outgoing QoS 1 and 2 messages kept on disk, not yet acknowledged by the upstream broker. */
    long queuedMessages();

    /** Their total size in bytes (topics and payloads), bounded by {@code bridge_max_queued_bytes}. */
    long queuedBytes();

    /**
     * The upstream brokers from the {@code address} lines, as {@code mqtt://host:port} or {@code mqtts://host:port}, in
     * the order the bridge tries them (added in 0.2.0, so a console can say where a bridge goes).
     */
    List<String> upstreamAddresses();
}
