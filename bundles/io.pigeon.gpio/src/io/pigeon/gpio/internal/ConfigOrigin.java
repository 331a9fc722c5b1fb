package io.pigeon.gpio.internal;

/**
 * Where a configuration came from, as the properties ConfigAdmin and FileInstall add to it. Not part of the metatype
 * (nobody types these in), and without defaults so that DS does not put empty component properties in their place.
 */
public @interface ConfigOrigin {

    /** Set by FileInstall: the URL of the .cfg file, null for a configuration made otherwise. */
    String felix_fileinstall_filename();

    /** The configuration's PID, such as io.pigeon.gpio.pin~door. */
    String service_pid();
}
