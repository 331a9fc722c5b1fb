package io.pigeon.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a broker for the annotated class (shared by its tests) or method (its own). Directives are written after the
 * generated {@code listener <free port> 127.0.0.1} line; {@link #pigeon} and {@link #mosquitto} hold the ones whose
 * names differ between the two brokers.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(BrokerUnderTest.class)
@interface WithBroker {
    String[] value() default {};

    String[] pigeon() default {};

    String[] mosquitto() default {};

    /** Extra JVM options for the product (ignored in mosquitto mode). */
    String javaOpts() default "";
}
