package io.pigeon.gpio;

/** The bias of a digital input. */
public enum Pull {
    UP, DOWN, OFF
}
