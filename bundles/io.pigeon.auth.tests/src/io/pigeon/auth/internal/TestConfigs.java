package io.pigeon.auth.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/** Builds the typed configuration DS would pass, and waits for asynchronous effects. */
final class TestConfigs {

    private TestConfigs() {
    }

    static AuthConfig config(String allowAnonymous, Path passwordFile, Path aclFile) {
        return config(allowAnonymous, passwordFile, aclFile, false);
    }

    static AuthConfig config(String allowAnonymous, Path passwordFile, Path aclFile, boolean perListener) {
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

            @Override
            public boolean per_listener_settings() {
                return perListener;
            }
        };
    }

    /** The digests io.pigeon.config would put next to the files, read now; "" for a file not configured. */
    static FileDigests digests(Path passwordFile, Path aclFile) {
        String password = digest(passwordFile);
        String acl = digest(aclFile);
        return new FileDigests() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return FileDigests.class;
            }

            @Override
            public String password_file_digest() {
                return password;
            }

            @Override
            public String acl_file_digest() {
                return acl;
            }
        };
    }

    private static String digest(Path file) {
        if (file == null) {
            return "";
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
