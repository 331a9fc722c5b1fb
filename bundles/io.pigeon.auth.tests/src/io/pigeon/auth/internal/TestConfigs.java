package io.pigeon.auth.internal;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/** Builds the typed configuration DS would pass, and waits for asynchronous effects. */
final class TestConfigs {

    private TestConfigs() {
    }

    static AuthConfig config(String allowAnonymous, Path passwordFile, Path aclFile) {
        return new AuthConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return AuthConfig.class;
            }

            @Override
            public String allow_anonymous() {
                return allowAnonymous == null ? "" : allowAnonymous;
            }

            @Override
            public String password_file() {
                return passwordFile == null ? "" : passwordFile.toString();
            }

            @Override
            public String acl_file() {
                return aclFile == null ? "" : aclFile.toString();
            }
        };
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
