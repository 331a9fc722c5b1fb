/**
 * Pigeon's configuration file: {@code etc/pigeon.conf} in mosquitto.conf syntax, turned into Configuration Admin
 * configurations ({@code io.pigeon.broker}, {@code io.pigeon.listener~<name>}, {@code io.pigeon.bridge~<name>},
 * {@code io.pigeon.logging}). Components consume those configurations; this package lets tools (the launcher's
 * SIGHUP handling, the console) see the file's problems, ask for a reload, and change the file line by line.
 */
@org.osgi.annotation.versioning.Version("0.2.0")
package io.pigeon.config;
