package io.pigeon.auth.internal.passwd;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.pigeon.auth.internal.FileFormatException;

/**
 * {@code bin/pigeon passwd}: manages a password file like mosquitto_passwd, with the same options, messages and exit
 * codes (0 done, 1 error, 2 the two passwords typed differ). Entries are written in Mosquitto 2.0's default
 * {@code $7$} format with 101 iterations, so real Mosquitto reads the file too.
 * <p>
 * The launcher runs it with {@code java -cp plugins/io.pigeon.auth_*.jar}: no OSGi class may be reached from here.
 * Printing to the terminal is this class's job; it runs on the main thread of its own JVM.
 */
public final class PasswdTool {

    static final int OK = 0;
    static final int ERROR = 1;
    static final int MISMATCH = 2;
    private static final int MAX_LENGTH = 65535;

    /** Reads a password without echo; null at end of input. */
    @FunctionalInterface
    interface PasswordPrompt {
        char[] read(String prompt);
    }

    private final PasswordPrompt prompt;
    private final PrintStream out;
    private final PrintStream err;
    private final SecureRandom random;

    PasswdTool(PasswordPrompt prompt, PrintStream out, PrintStream err, SecureRandom random) {
        this.prompt = prompt;
        this.out = out;
        this.err = err;
        this.random = random;
    }

    public static void main(String[] args) {
        Console console = System.console();
        PasswordPrompt prompt = console == null ? null : console::readPassword;
        System.exit(new PasswdTool(prompt, System.out, System.err, new SecureRandom()).run(args));
    }

    int run(String... args) {
        boolean batch = false;
        boolean create = false;
        boolean delete = false;
        int idx = 0;
        for (; idx < args.length && args[idx].startsWith("-") && args[idx].length() > 1; idx++) {
            switch (args[idx]) {
                case "-b" -> batch = true;
                case "-c" -> create = true;
                case "-D" -> delete = true;
                case "-U", "-H", "-I" -> {
                    err.println("Error: " + args[idx] + " is not supported by pigeon passwd; it always writes"
                            + " Mosquitto 2.0's default hash ($7$, 101 iterations). Use mosquitto_passwd for " + args[idx]
                            + ".");
                    return ERROR;
                }
                default -> {
                    err.println("Error: Unknown option " + args[idx] + ".");
                    usage();
                    return ERROR;
                }
            }
        }
        if (args.length == 0) {
            usage();
            return ERROR;
        }
        if (create && delete) {
            err.println("Error: -c and -D cannot be used together.");
            return ERROR;
        }
        if (delete && batch) {
            err.println("Error: -b and -D cannot be used together.");
            return ERROR;
        }
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(idx, args.length));
        int wanted = batch ? 3 : 2;
        if (rest.size() != wanted) {
            if (create) {
                err.println(batch ? "Error: -c argument given but password file, username, or password missing."
                        : "Error: -c argument given but password file or username missing.");
            } else if (delete) {
                err.println("Error: -D argument given but password file or username missing.");
            } else {
                usage();
            }
            return ERROR;
        }
        Path file = Path.of(rest.get(0));
        String user = rest.get(1);
        String problem = PasswordFile.usernameProblem(user);
        if (problem != null) {
            err.println("Error: " + problem);
            return ERROR;
        }
        if (batch && rest.get(2).length() > MAX_LENGTH) {
            err.println("Error: Password must be less than 65536 characters long.");
            return ERROR;
        }

        PasswordFile current = PasswordFile.empty();
        if (!create) {
            try {
                current = PasswordFile.read(file, rest.get(0));
            } catch (NoSuchFileException e) {
                err.println("Error: Unable to open password file " + file + ". No such file or directory. Use -c to"
                        + " create it.");
                return ERROR;
            } catch (IOException e) {
                err.println("Error: Unable to open password file " + file + ". " + e.getMessage() + ".");
                return ERROR;
            } catch (FileFormatException e) {
                err.println("Error: " + e.getMessage());
                return ERROR;
            }
        }

        PasswordFile updated;
        if (delete) {
            if (!current.contains(user)) {
                err.println("Warning: User " + user + " not found in password file.");
                return ERROR;
            }
            updated = current.withoutUser(user);
        } else {
            byte[] password;
            if (batch) {
                password = rest.get(2).getBytes(StandardCharsets.UTF_8);
            } else {
                int[] status = new int[1];
                password = askTwice(status);
                if (password == null) {
                    return status[0];
                }
            }
            try {
                PasswordHash hash = PasswordHash.create(password, PasswordHash.DEFAULT_ITERATIONS, random);
                updated = (create ? PasswordFile.empty() : current).withUser(user, hash);
            } finally {
                Arrays.fill(password, (byte) 0);
            }
        }
        try {
            updated.write(file);
        } catch (IOException e) {
            err.println("Error: Unable to write password file " + file + ": " + e + ". Check that its directory exists"
                    + " and is writable.");
            return ERROR;
        }
        return OK;
    }

    /** The password typed twice, as UTF-8; null with the exit code in {@code status[0]} when it cannot be used. */
    private byte[] askTwice(int[] status) {
        status[0] = ERROR;
        if (prompt == null) {
            err.println("Error: No console to read the password from. Run pigeon passwd in a terminal, or give the"
                    + " password on the command line with -b.");
            return null;
        }
        char[] first = prompt.read("Password: ");
        if (first == null || first.length == 0) {
            err.println("Error: Empty password.");
            return null;
        }
        char[] second = prompt.read("Reenter password: ");
        try {
            if (second == null || second.length == 0) {
                err.println("Error: Empty password.");
                return null;
            }
            if (!Arrays.equals(first, second)) {
                err.println("Error: Passwords do not match.");
                status[0] = MISMATCH;
                return null;
            }
            if (first.length > MAX_LENGTH) {
                err.println("Error: Password must be less than 65536 characters long.");
                return null;
            }
            ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(first));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            Arrays.fill(encoded.array(), (byte) 0);
            status[0] = OK;
            return bytes;
        } finally {
            Arrays.fill(first, '\0');
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }

    private void usage() {
        out.println("pigeon passwd is a tool for managing password files for Pigeon and Mosquitto.");
        out.println();
        out.println("Usage: pigeon passwd [-c | -D] passwordfile username");
        out.println("       pigeon passwd [-c] -b passwordfile username password");
        out.println(" -b : run in batch mode to allow passing passwords on the command line.");
        out.println(" -c : create a new password file. This will overwrite existing files.");
        out.println(" -D : delete the username rather than adding/updating its password.");
        out.println();
        out.println("Then set `password_file` to the file in etc/pigeon.conf. The file is read again when it changes.");
    }
}
