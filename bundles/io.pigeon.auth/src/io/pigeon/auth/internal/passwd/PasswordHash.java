package io.pigeon.auth.internal.passwd;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One password hash as mosquitto_passwd writes it (Mosquitto 2.0, src/password_mosq.c):
 * <ul>
 * <li>{@code $7$<iterations>$<salt>$<hash>}: PBKDF2-HMAC-SHA512 of the password with the 12-byte salt, 64-byte key
 * (the default since Mosquitto 2.0, 101 iterations);</li>
 * <li>{@code $6$<salt>$<hash>}: one SHA-512 of the password bytes followed by the 12 salt bytes (Mosquitto 1.6 and
 * earlier, and {@code mosquitto_passwd -H sha512}).</li>
 * </ul>
 * Salt and hash are standard base64 with padding. Immutable and thread safe; no OSGi types, so the
 * {@link PasswdTool} can use it from a plain {@code java -cp} command.
 */
public final class PasswordHash {

    public static final int DEFAULT_ITERATIONS = 101;
    static final int SALT_LENGTH = 12;
    static final int HASH_LENGTH = 64;

    enum Type {
        SHA512("6"), PBKDF2_SHA512("7");

        final String id;

        Type(String id) {
            this.id = id;
        }
    }

    private final Type type;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(Type type, int iterations, byte[] salt, byte[] hash) {
        this.type = type;
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** A new {@code $7$} hash with a random salt. */
    public static PasswordHash create(byte[] password, int iterations, SecureRandom random) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1");
        }
        byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return new PasswordHash(Type.PBKDF2_SHA512, iterations, salt,
                digest(Type.PBKDF2_SHA512, iterations, salt, password));
    }

    /** A {@code $6$} hash, only for tests and reading old files: Pigeon writes {@code $7$}. */
    static PasswordHash createSha512(byte[] password, SecureRandom random) {
        byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        return new PasswordHash(Type.SHA512, 0, salt, digest(Type.SHA512, 0, salt, password));
    }

    /**
     * Reads the part after {@code user:}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong (without file and line)
     */
    public static PasswordHash parse(String encoded) {
        if (!encoded.startsWith("$")) {
            throw new IllegalArgumentException("the password is not hashed (plain text passwords are not read)");
        }
        String[] parts = encoded.substring(1).split("\\$", -1);
        Type type;
        if (parts[0].equals(Type.PBKDF2_SHA512.id)) {
            type = Type.PBKDF2_SHA512;
        } else if (parts[0].equals(Type.SHA512.id)) {
            type = Type.SHA512;
        } else {
            throw new IllegalArgumentException("unknown hash type $" + parts[0] + "$ (only $6$ and $7$ are read)");
        }
        int expected = type == Type.PBKDF2_SHA512 ? 4 : 3;
        if (parts.length != expected) {
            throw new IllegalArgumentException("a $" + type.id + "$ hash has " + (expected - 1)
                    + " fields after the type, separated by '$'; this one has " + (parts.length - 1));
        }
        int iterations = 0;
        int next = 1;
        if (type == Type.PBKDF2_SHA512) {
            try {
                iterations = Integer.parseInt(parts[next++]);
            } catch (NumberFormatException e) {
                iterations = 0;
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("the iteration count '" + parts[1] + "' is not a number above 0");
            }
        }
        byte[] salt = decode(parts[next++], "salt", SALT_LENGTH);
        byte[] hash = decode(parts[next], "hash", HASH_LENGTH);
        return new PasswordHash(type, iterations, salt, hash);
    }

    private static byte[] decode(String base64, String what, int length) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + what + " is not valid base64");
        }
        if (bytes.length != length) {
            throw new IllegalArgumentException("the " + what + " decodes to " + bytes.length + " bytes instead of "
                    + length);
        }
        return bytes;
    }

    /** The text after {@code user:}, exactly as mosquitto_passwd writes it. */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        String iterationField = type == Type.PBKDF2_SHA512 ? iterations + "$" : "";
        return "$" + type.id + "$" + iterationField + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * Compares in constant time. Mosquitto hashes the password up to its first NUL (it is a C string there); such a
     * password can never have been set with mosquitto_passwd, so a password containing NUL never matches here.
     */
    public boolean matches(byte[] password) {
        byte[] candidate = digest(type, iterations, salt, password);
        boolean same = MessageDigest.isEqual(candidate, hash);
        for (byte b : password) {
            if (b == 0) {
                return false;
            }
        }
        return same;
    }

    static byte[] digest(Type type, int iterations, byte[] salt, byte[] password) {
        try {
            if (type == Type.SHA512) {
                MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
                sha512.update(password);
                sha512.update(salt);
                return sha512.digest();
            }
            return pbkdf2(password, salt, iterations);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This Java runtime lacks SHA-512 or HmacSHA512, which every Java 17 has: "
                    + e, e);
        }
    }

    /**
     * PBKDF2 (RFC 8018) with HMAC-SHA512 for one 64-byte block. Written out rather than taken from
     * {@code SecretKeyFactory("PBKDF2WithHmacSHA512")} because that takes the password as characters and re-encodes
     * them, while MQTT passwords are bytes and Mosquitto hashes the bytes as they are.
     */
    private static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA512");
        // HMAC pads its key with zero bytes, so the key {0} is the empty key, which SecretKeySpec refuses.
        mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA512"));
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            for (int j = 0; j < result.length; j++) {
                result[j] ^= u[j];
            }
        }
        return result;
    }

    Type type() {
        return type;
    }

    int iterations() {
        return iterations;
    }

    byte[] salt() {
        return salt.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash other && type == other.type && iterations == other.iterations
                && Arrays.equals(salt, other.salt) && Arrays.equals(hash, other.hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }

    /** Never the hash itself, so it cannot end up in a log by accident. */
    @Override
    public String toString() {
        return "$" + type.id + "$ hash";
    }
}
