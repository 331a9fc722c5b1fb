/**
 * The broker's in-process API: publish, subscribe and watch broker events without a socket.
 * <p>
 * The {@link io.pigeon.broker.Broker} service is registered by the broker bundle; its
 * {@code pigeon.listeners} service property lists the network listeners ("mqtt://0.0.0.0:1883").
 * Events are delivered to every {@link io.pigeon.broker.BrokerListener} service (whiteboard).
 * {@link io.pigeon.broker.TopicFilters} checks and matches topics by the broker's rules, for bundles that must agree
 * with it (ACLs, bridges).
 */
@org.osgi.annotation.versioning.Version("0.2.0")
package io.pigeon.broker;
