package io.pigeon.auth.internal;

import static io.pigeon.auth.internal.TestConfigs.config;
import static io.pigeon.auth.internal.TestConfigs.digests;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.pigeon.broker.spi.ClientIdentity;

class AclAuthorizerTest {

    @TempDir
    Path dir;
    final LogCapture log = new LogCapture();
    AclAuthorizer authorizer;

    static final ClientIdentity ALICE = new ClientIdentity("sensor-1", "alice", "10.0.0.5:4000", 5);
    static final ClientIdentity ANONYMOUS = new ClientIdentity("probe", null, "127.0.0.1:4000", 4);

    private void start(Path acl) {
        authorizer = new AclAuthorizer(config(null, null, acl), digests(null, acl), log.logger);
    }

    /** What io.pigeon.config does when it sees the file change: the same settings with the new digest. */
    private void fileChanged(Path acl) {
        authorizer.modified(config(null, null, acl), digests(null, acl));
    }

    @Test
    void withoutAnAclFileEverythingIsAllowed() {
        start(null);
        assertTrue(authorizer.canPublish(ANONYMOUS, "any/topic"));
        assertTrue(authorizer.canSubscribe(ANONYMOUS, "#"));
        assertTrue(authorizer.canReceive(ANONYMOUS, "any/topic"));
    }

    @Test
    void rulesApplyToPublishSubscribeAndDeliveryAndReloadsReachExistingClients() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "topic read public/#\nuser alice\ntopic readwrite sensors/%c/#\n"
                + "topic readwrite sensors/sensor-1/#\ntopic read public/#\n");
        start(acl);
        assertTrue(authorizer.canPublish(ALICE, "sensors/sensor-1/temp"));
        assertFalse(authorizer.canPublish(ALICE, "sensors/sensor-2/temp"));
        assertFalse(authorizer.canPublish(ANONYMOUS, "public/x"));
        assertTrue(authorizer.canSubscribe(ANONYMOUS, "public/#"));
        assertFalse(authorizer.canSubscribe(ANONYMOUS, "sensors/#"));
        assertTrue(log.find("Denied SUBSCRIBE from probe (anonymous) to 'sensors/#'").contains(acl.toString()));
        assertTrue(authorizer.canSubscribe(ALICE, "#"));
        assertTrue(authorizer.canReceive(ALICE, "public/news"));
        assertFalse(authorizer.canReceive(ALICE, "private/x"));

        Files.writeString(acl, "user alice\ntopic readwrite sensors/sensor-1/#\n");
        fileChanged(acl);
        assertFalse(authorizer.canReceive(ALICE, "public/news"), "the reload applies to delivery");
        assertTrue(authorizer.canReceive(ALICE, "sensors/sensor-1/x"));

        Files.writeString(acl, "user alice\ntopic readwrite sensors/sensor-1/#\ntopic reed public/#\n");
        fileChanged(acl);
        assertTrue(log.contains(acl + ":3: unknown access 'reed'"), "the bad edit is reported");
        assertTrue(log.find(acl + ":3:").contains("The previous version stays in force."));
        assertTrue(authorizer.canPublish(ALICE, "sensors/sensor-1/x"), "the previous rules stay in force");
    }

    @Test
    void anAclFileThatNeverLoadedRefusesEverything() throws Exception {
        Path acl = dir.resolve("acl");
        Files.writeString(acl, "topic readwrite #\nuser\n");
        start(acl);
        assertTrue(log.find(acl + ":2:").contains("Every publish and subscription is refused until it is fixed."));
        assertFalse(authorizer.canPublish(ANONYMOUS, "a"));
        assertFalse(authorizer.canSubscribe(ANONYMOUS, "a"));
        assertFalse(authorizer.canReceive(ANONYMOUS, "a"));

        authorizer.modified(config(null, null, null), digests(null, null));
        assertTrue(authorizer.canPublish(ANONYMOUS, "a"), "acl_file removed from the configuration");
    }
}
