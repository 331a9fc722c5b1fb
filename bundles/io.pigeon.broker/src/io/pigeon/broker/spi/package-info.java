/**
 * Service provider interfaces the broker calls: authentication, authorization and storage of
 * sessions and retained messages. Register an implementation as an OSGi service to replace the
 * built-in default (allow everyone, keep everything in memory).
 */
package io.pigeon.broker.spi;
