package io.pigeon.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** A test of Pigeon-specific behaviour (the product, or a rule where Mosquitto differs): skipped in mosquitto mode. */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Tag("pigeon-only")
@ExtendWith(PigeonOnly.Condition.class)
@interface PigeonOnly {
    /** Why the reference broker cannot run it. */
    String value();

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (!Env.mosquittoMode()) {
                return ConditionEvaluationResult.enabled("broker under test is Pigeon");
            }
            String why = context.getElement()
                    .flatMap(e -> AnnotationSupport.findAnnotation(e, PigeonOnly.class))
                    .map(PigeonOnly::value)
                    .orElse("Pigeon-specific");
            return ConditionEvaluationResult.disabled("Pigeon only: " + why);
        }
    }
}
