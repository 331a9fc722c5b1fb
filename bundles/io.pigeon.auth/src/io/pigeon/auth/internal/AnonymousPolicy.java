package io.pigeon.auth.internal;

import io.pigeon.broker.spi.ClientIdentity;

/** Which clients without a valid user may connect: Mosquitto's allow_anonymous plus Pigeon's loopback default. */
enum AnonymousPolicy {
    /** allow_anonymous true. */
    EVERYONE,
    /** allow_anonymous false. */
    NOBODY,
    /** allow_anonymous not set: clients on this machine only. */
    LOOPBACK_ONLY;

    /**
     * @throws IllegalArgumentException for a value that is neither empty, "true" nor "false"
     */
    static AnonymousPolicy of(String allowAnonymous) {
        String value = allowAnonymous == null ? "" : allowAnonymous.strip();
        return switch (value) {
            case "" -> LOOPBACK_ONLY;
            case "true" -> EVERYONE;
            case "false" -> NOBODY;
            default -> throw new IllegalArgumentException("allow_anonymous '" + value + "' must be true or false");
        };
    }

    boolean admits(String remoteAddress) {
        return switch (this) {
            case EVERYONE -> true;
            case NOBODY -> false;
            case LOOPBACK_ONLY -> ClientIdentity.isLocal(remoteAddress);
        };
    }
}
