package io.pigeon.gpio;

import org.osgi.annotation.versioning.ProviderType;

/** An open PWM output. Closing it turns it off and frees the pin. */
@ProviderType
public interface PwmPin extends AutoCloseable {

    int bcm();

    int frequencyHz();

    /** Duty cycle in percent, 0..100. */
    double duty();

    /** @param percent 0..100 */
    void duty(double percent);

    @Override
    void close();
}
