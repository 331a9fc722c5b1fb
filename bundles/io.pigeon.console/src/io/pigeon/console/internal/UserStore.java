package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/**
 * The console's accounts, in {@code data/console/users.json} (0600) with PBKDF2 hashes. On the first start there is
 * no file: an {@code admin} account is created with a random password, which is logged once and written to
 * {@code data/console/initial-admin-password} (0600), and must be changed at the first login; the password file is
 * deleted then.
 * <p>
 * Each account is an administrator or an operator ({@link #ADMINISTRATOR}, {@link #OPERATOR}); administrators add
 * users, reset their passwords (the user chooses a new one at the next login), change roles and delete users, but
 * never remove the last administrator, nor change or delete their own account (another administrator must).
 * <p>
 * Console users are MQTT user names too: the console asks the broker's authorizer about a console user under the
 * same name (see {@link BrokerGate}).
 */
@Component(service = UserStore.class)
public final class UserStore {

    static final String USERS_FILE = "users.json";
    static final String INITIAL_PASSWORD_FILE = "initial-admin-password";
    static final String FIRST_USER = "admin";
    static final int MIN_PASSWORD_LENGTH = 10;
    static final String ADMINISTRATOR = "administrator";
    static final String OPERATOR = "operator";
    /** A user name: also an MQTT user name in ACL files, so no spaces or line breaks. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    /** One account as the users page shows it. */
    record User(String name, String role, boolean mustChangePassword) {
    }

    /** One account as stored. */
    static final class Account {
        String name;
        String hash;
        boolean mustChangePassword;
        /**
         * May change the gateway's configuration. Null in files written before accounts had it: then only the first
         * account ({@value UserStore#FIRST_USER}) is an administrator.
         */
        Boolean admin;
    }

    private static final class UsersFile {
        int version = 1;
        List<Account> users = List.of();
    }

    /** Checked against for unknown user names, so that they cost as much time as known ones. */
    private static final String DUMMY_HASH = new PasswordHasher().hash("not a password".toCharArray());

    private final Path folder;
    private final Logger log;
    private final PasswordHasher hasher;
    private final Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private final Map<String, Account> accounts = new LinkedHashMap<>();

    @Activate
    public UserStore(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this(DataFolder.of(context), log, new PasswordHasher());
    }

    UserStore(Path folder, Logger log, PasswordHasher hasher) throws IOException {
        this.folder = folder;
        this.log = log;
        this.hasher = hasher;
        load();
    }

    private synchronized void load() throws IOException {
        Path file = folder.resolve(USERS_FILE);
        if (!Files.exists(file)) {
            createFirstAdmin();
            return;
        }
        UsersFile read;
        try {
            read = gson.fromJson(Files.readString(file, StandardCharsets.UTF_8), UsersFile.class);
        } catch (JsonParseException e) {
            throw new IOException(file + " is not a console user file (" + e.getMessage() + "). Restore it from a "
                    + "backup, or delete it to create a new admin account with a new password at the next start", e);
        }
        if (read == null || read.users == null || read.users.isEmpty()) {
            throw new IOException(file + " lists no user. Delete it to create a new admin account at the next start");
        }
        for (Account a : read.users) {
            accounts.put(a.name, a);
        }
    }

    private void createFirstAdmin() throws IOException {
        String password = PasswordHasher.randomPassword();
        Account admin = new Account();
        admin.name = FIRST_USER;
        admin.hash = hasher.hash(password.toCharArray());
        admin.mustChangePassword = true;
        admin.admin = Boolean.TRUE;
        accounts.put(admin.name, admin);
        Path passwordFile = folder.resolve(INITIAL_PASSWORD_FILE);
        DataFolder.writePrivate(passwordFile, (password + "\n").getBytes(StandardCharsets.UTF_8));
        save();
        log.warn("HTTP console: created user '{}' with password {} (also in {}, readable by this user only). "
                + "Log in and choose a new password; this one is not shown again.", FIRST_USER, password, passwordFile);
    }

    private void save() throws IOException {
        UsersFile out = new UsersFile();
        out.users = List.copyOf(accounts.values());
        DataFolder.writePrivate(folder.resolve(USERS_FILE), gson.toJson(out).getBytes(StandardCharsets.UTF_8));
    }

    /** The account when the password is right, else null. Takes about as long for an unknown user. */
    Account authenticate(String name, char[] password) {
        Account account;
        synchronized (this) {
            account = name == null ? null : accounts.get(name);
        }
        if (account == null) {
            // same work as a real check, so response time does not tell which user names exist
            hasher.verify(password, DUMMY_HASH);
            return null;
        }
        return hasher.verify(password, account.hash) ? account : null;
    }

    synchronized boolean mustChangePassword(String name) {
        Account a = accounts.get(name);
        return a == null || a.mustChangePassword;
    }

    /**
     * True when the user is an administrator: may change the gateway (settings, GPIO pins, bundles, clients) and its
     * users, see {@link ConsoleSecurity}.
     */
    synchronized boolean isAdmin(String name) {
        Account a = accounts.get(name);
        return a != null && isAdmin(a);
    }

    private static boolean isAdmin(Account a) {
        return a.admin != null ? a.admin : FIRST_USER.equals(a.name);
    }

    synchronized String role(String name) {
        return isAdmin(name) ? ADMINISTRATOR : OPERATOR;
    }

    /** Every account, in the order they were added. */
    synchronized List<User> list() {
        List<User> out = new ArrayList<>();
        for (Account a : accounts.values()) {
            out.add(new User(a.name, isAdmin(a) ? ADMINISTRATOR : OPERATOR, a.mustChangePassword));
        }
        return out;
    }

    /**
     * Adds an account with a password the administrator gives it; the user chooses their own at the first login.
     *
     * @throws ApiServlet.BadRequest 400 for a bad name, role or password, 409 when the name is taken
     */
    void add(String by, String name, String role, char[] password) throws IOException, ApiServlet.BadRequest {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ApiServlet.BadRequest("'" + AuthServlets.printable(name) + "' is not a user name: letters,"
                    + " digits, '.', '_', '-' and '@', at most 64, starting with a letter or digit (it is the MQTT user"
                    + " whose rights the user has, too)");
        }
        boolean admin = adminRole(role);
        checkNewPassword(password);
        String hash = hasher.hash(password);
        synchronized (this) {
            if (accounts.containsKey(name)) {
                throw new ApiServlet.BadRequest(409, "user " + name + " exists already");
            }
            Account a = new Account();
            a.name = name;
            a.hash = hash;
            a.mustChangePassword = true;
            a.admin = admin;
            accounts.put(name, a);
            save();
        }
        log.info("HTTP console: user '{}' added user '{}' ({})", by, name, role);
    }

    /**
     * Gives an account a new password the administrator chose; the user must change it at the next login.
     *
     * @throws ApiServlet.BadRequest 404 for an unknown user, 400 for a short password
     */
    void resetPassword(String by, String name, char[] password) throws IOException, ApiServlet.BadRequest {
        checkNewPassword(password);
        String hash = hasher.hash(password);
        synchronized (this) {
            Account a = existing(name);
            a.hash = hash;
            a.mustChangePassword = true;
            save();
        }
        log.info("HTTP console: user '{}' reset the password of user '{}'", by, name);
    }

    /**
     * Makes an account an administrator or an operator; not one's own, and not the last administrator's.
     *
     * @throws ApiServlet.BadRequest 404 for an unknown user, 400 for an unknown role, 409 when refused
     */
    void setRole(String by, String name, String role) throws IOException, ApiServlet.BadRequest {
        boolean admin = adminRole(role);
        synchronized (this) {
            Account a = existing(name);
            if (name.equals(by)) {
                throw new ApiServlet.BadRequest(409, "you cannot change your own role: another administrator must"
                        + " do it");
            }
            if (!admin && isAdmin(a)) {
                requireAnotherAdmin(a);
            }
            a.admin = admin;
            save();
        }
        log.info("HTTP console: user '{}' made user '{}' an {}", by, name, role);
    }

    /**
     * Deletes an account; not one's own, and not the last administrator.
     *
     * @throws ApiServlet.BadRequest 404 for an unknown user, 409 when refused
     */
    void delete(String by, String name) throws IOException, ApiServlet.BadRequest {
        synchronized (this) {
            Account a = existing(name);
            if (name.equals(by)) {
                throw new ApiServlet.BadRequest(409, "you cannot delete yourself: another administrator must do it");
            }
            if (isAdmin(a)) {
                requireAnotherAdmin(a);
            }
            accounts.remove(name);
            save();
        }
        log.info("HTTP console: user '{}' deleted user '{}'", by, name);
    }

    private Account existing(String name) throws ApiServlet.BadRequest {
        Account a = name == null ? null : accounts.get(name);
        if (a == null) {
            throw new ApiServlet.BadRequest(404, "no user " + AuthServlets.printable(name) + ": reload the list");
        }
        return a;
    }

    private void requireAnotherAdmin(Account a) throws ApiServlet.BadRequest {
        for (Account other : accounts.values()) {
            if (other != a && isAdmin(other)) {
                return;
            }
        }
        throw new ApiServlet.BadRequest(409, a.name + " is the last administrator: make another user an"
                + " administrator first, or nobody could manage the gateway");
    }

    private static boolean adminRole(String role) throws ApiServlet.BadRequest {
        if (ADMINISTRATOR.equals(role)) {
            return true;
        }
        if (OPERATOR.equals(role)) {
            return false;
        }
        throw new ApiServlet.BadRequest("role must be " + ADMINISTRATOR + " or " + OPERATOR + ", not '"
                + AuthServlets.printable(role) + "'");
    }

    private static void checkNewPassword(char[] password) throws ApiServlet.BadRequest {
        if (password == null || password.length < MIN_PASSWORD_LENGTH) {
            throw new ApiServlet.BadRequest("the password needs at least " + MIN_PASSWORD_LENGTH + " characters");
        }
    }

    synchronized boolean exists(String name) {
        return accounts.containsKey(name);
    }

    /**
     * Sets a new password after checking the current one.
     *
     * @return null when changed, else why not (shown to the user)
     */
    String changePassword(String name, char[] current, char[] next) throws IOException {
        if (authenticate(name, current) == null) {
            return "the current password is wrong";
        }
        if (next.length < MIN_PASSWORD_LENGTH) {
            return "the new password needs at least " + MIN_PASSWORD_LENGTH + " characters";
        }
        if (java.util.Arrays.equals(current, next)) {
            return "the new password must differ from the current one";
        }
        String hash = hasher.hash(next);
        synchronized (this) {
            Account a = accounts.get(name);
            if (a == null) {
                return "the user no longer exists";
            }
            a.hash = hash;
            a.mustChangePassword = false;
            save();
        }
        Files.deleteIfExists(folder.resolve(INITIAL_PASSWORD_FILE));
        log.info("HTTP console: user '{}' changed the password", name);
        return null;
    }
}
