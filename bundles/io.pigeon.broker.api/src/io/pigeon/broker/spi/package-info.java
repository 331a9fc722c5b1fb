/**
 * Service provider interfaces the broker calls: authentication, authorization and the durable store of
 * persistent sessions and retained messages. Register an implementation as an OSGi service to replace the
 * built-in default (allow local clients, allow every topic, keep everything in memory).
 */
@org.osgi.annotation.versioning.Version("0.2.0")
package io.pigeon.broker.spi;
