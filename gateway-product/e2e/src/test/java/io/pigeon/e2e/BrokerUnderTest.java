package io.pigeon.e2e;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The broker under test for a class or a method annotated {@link WithBroker}: starts it before, checks after each test
 * that it is still alive and has reported no leak, stops it with SIGTERM at the end, and appends the broker's output
 * tail to every failure.
 */
final class BrokerUnderTest implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver, TestExecutionExceptionHandler {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BrokerUnderTest.class);
    private static final String CLASS_BROKER = "class-broker";
    private static final String METHOD_BROKER = "method-broker";

    @Override
    public void beforeAll(ExtensionContext context) {
        AnnotationSupport.findAnnotation(context.getRequiredTestClass(), WithBroker.class)
                .ifPresent(a -> context.getStore(NS).put(CLASS_BROKER, start(a)));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getTestMethod()
                .flatMap(m -> AnnotationSupport.findAnnotation(m, WithBroker.class))
                .ifPresent(a -> context.getStore(NS).put(METHOD_BROKER, start(a)));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Broker own = context.getStore(NS).remove(METHOD_BROKER, Broker.class);
        if (own != null) {
            own.stopUnlessStoppedByTest();
        }
        Broker shared = context.getStore(NS).get(CLASS_BROKER, Broker.class);
        if (shared != null) {
            shared.assertAlive();
            shared.assertNoLeak();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Broker shared = context.getStore(NS).remove(CLASS_BROKER, Broker.class);
        if (shared != null) {
            shared.stopUnlessStoppedByTest();
        }
    }

    private static Broker start(WithBroker a) {
        return Broker.start(List.of(a.value()), List.of(a.pigeon()), List.of(a.mosquitto()), a.javaOpts());
    }

    static Optional<Broker> current(ExtensionContext context) {
        Broker b = context.getStore(NS).get(METHOD_BROKER, Broker.class);
        if (b == null) {
            b = context.getStore(NS).get(CLASS_BROKER, Broker.class);
        }
        return Optional.ofNullable(b);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Broker.class;
    }

    @Override
    public Broker resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return current(extensionContext).orElseThrow(() -> new ParameterResolutionException(
                "no broker: annotate the test class or method with @WithBroker"));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        current(context).ifPresent(b -> {
            String state = b.alive() ? "running" : "exited with " + b.proc.process.exitValue();
            throwable.addSuppressed(new BrokerOutput("broker on port " + b.port + " (" + state + "), output "
                    + b.proc.output + ", configuration " + b.config + "; last lines:\n" + b.outputTail()));
        });
        throw throwable;
    }

    /** Carries the broker's output into the failure report. */
    static final class BrokerOutput extends Exception {
        private static final long serialVersionUID = 1L;

        BrokerOutput(String message) {
            super(message, null, false, false);
        }
    }
}
