package io.pigeon.auth.internal.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.pigeon.auth.internal.FileFormatException;
import io.pigeon.broker.TopicFilters;

/** Mosquitto 2.0's ACL semantics (src/security_default.c), rule by rule. */
class AclFileTest {

    private static AclFile acl(String... lines) throws FileFormatException {
        return AclFile.parse(String.join("\n", lines) + "\n", "acl");
    }

    private static boolean read(AclFile acl, String client, String user, String topic) {
        return acl.canRead(client, user, topic).allowed();
    }

    private static boolean write(AclFile acl, String client, String user, String topic) {
        return acl.canWrite(client, user, topic).allowed();
    }

    private static boolean subscribe(AclFile acl, String client, String user, String filter) {
        return acl.canSubscribe(client, user, filter).allowed();
    }

    @Test
    void topicLinesBeforeAnyUserAreForAnonymousClientsOnly() throws Exception {
        AclFile acl = acl("# anonymous", "topic read public/#", "", "user alice", "topic readwrite alice/#");
        assertTrue(read(acl, "c1", null, "public/news"));
        assertFalse(write(acl, "c1", null, "public/news"), "read only");
        assertFalse(read(acl, "c1", null, "alice/x"));
        assertTrue(read(acl, "c2", "alice", "alice/x"));
        assertTrue(write(acl, "c2", "alice", "alice/x"));
        assertFalse(read(acl, "c2", "alice", "public/news"), "the anonymous block does not apply to users");
        assertFalse(read(acl, "c3", "bob", "public/news"), "a user without a block and no patterns gets nothing");
        assertFalse(write(acl, "c3", "bob", "bob/x"));
    }

    @Test
    void accessWordsAndDefaults() throws Exception {
        AclFile acl = acl("user u", "topic a", "topic read r", "topic write w", "topic readwrite rw", "topic read x y");
        assertTrue(read(acl, "c", "u", "a") && write(acl, "c", "u", "a"), "no access word means readwrite");
        assertTrue(read(acl, "c", "u", "r") && !write(acl, "c", "u", "r"));
        assertTrue(!read(acl, "c", "u", "w") && write(acl, "c", "u", "w"));
        assertTrue(read(acl, "c", "u", "rw") && write(acl, "c", "u", "rw"));
        assertTrue(read(acl, "c", "u", "x y"), "the topic is the rest of the line");
        assertFalse(read(acl, "c", "u", "read"), "`topic read r` is not a topic named read");
        AclFile odd = acl("user u", "topic deny");
        assertTrue(read(odd, "c", "u", "deny"), "as in Mosquitto, a lone word is the topic, with readwrite");
    }

    @Test
    void blocksOfOneUserAddUp() throws Exception {
        AclFile acl = acl("user u", "topic read a", "user v", "topic read b", "user u", "topic read c");
        assertTrue(read(acl, "c", "u", "a"));
        assertTrue(read(acl, "c", "u", "c"));
        assertFalse(read(acl, "c", "u", "b"));
    }

    @Test
    void denyWinsWhateverItsPosition() throws Exception {
        AclFile acl = acl("user bob", "topic readwrite home/#", "topic deny home/secret/#");
        assertTrue(write(acl, "c", "bob", "home/kitchen/light"));
        assertFalse(read(acl, "c", "bob", "home/secret/key"));
        assertFalse(write(acl, "c", "bob", "home/secret"));

        AclFile patterns = acl("pattern deny devices/%c/secret", "pattern readwrite devices/%c/#");
        assertTrue(write(patterns, "d1", null, "devices/d1/state"));
        assertFalse(read(patterns, "d1", null, "devices/d1/secret"));
    }

    @Test
    void ownRulesAreCheckedBeforePatterns() throws Exception {
        AclFile acl = acl("pattern deny shared/#", "user bob", "topic read shared/#", "pattern read shared/%u");
        assertTrue(read(acl, "c", "bob", "shared/x"), "as in Mosquitto, a user's own grant comes before patterns");
        assertFalse(read(acl, "c", "carol", "shared/carol"), "for others the pattern deny wins");
    }

    @Test
    void patternsSubstituteClientIdAndUserName() throws Exception {
        AclFile acl = acl("pattern readwrite devices/%c/#", "pattern read users/%u/#", "user alice",
                "pattern write log/%u/%c");
        assertTrue(write(acl, "dev1", null, "devices/dev1/temp"), "patterns apply to anonymous clients");
        assertFalse(write(acl, "dev1", null, "devices/dev2/temp"));
        assertFalse(read(acl, "dev1", null, "users/null/x"), "a %u pattern never applies to anonymous clients");
        assertTrue(read(acl, "dev1", "alice", "users/alice/inbox"));
        assertFalse(write(acl, "dev1", "alice", "users/alice/inbox"));
        assertTrue(write(acl, "dev2", "bob", "log/bob/dev2"), "a pattern applies to everyone wherever it is written");
    }

    @Test
    void wildcardsInIdsOrNamesCannotWidenPatterns() throws Exception {
        AclFile acl = acl("pattern readwrite devices/%c/#", "pattern read users/%u");
        assertFalse(read(acl, "#", null, "devices/other/x"));
        assertFalse(write(acl, "+", null, "devices/+/x"));
        assertFalse(read(acl, "c", "+", "users/bob"));
        AclFile noPatterns = acl("user a+b", "topic read t");
        assertTrue(read(noPatterns, "c", "a+b", "t"), "only checked when the file has patterns, as Mosquitto");
    }

    @Test
    void dollarTopicsNeedRulesThatStartWithDollar() throws Exception {
        AclFile acl = acl("topic read #", "user admin", "topic read $SYS/#", "topic read +/x");
        assertFalse(read(acl, "c", null, "$SYS/broker/uptime"));
        assertTrue(read(acl, "c", null, "anything/else"));
        assertTrue(read(acl, "c", "admin", "$SYS/broker/uptime"));
        assertFalse(read(acl, "c", "admin", "$other/x"));
    }

    @Test
    void emptyFileDeniesEverything() throws Exception {
        AclFile acl = acl("# nothing yet");
        assertFalse(read(acl, "c", null, "a"));
        assertFalse(write(acl, "c", "u", "a"));
        assertFalse(subscribe(acl, "c", "u", "#"));
    }

    @Test
    void subscribeIsGrantedWhenSomeMatchingTopicIsReadable() throws Exception {
        AclFile acl = acl("user alice", "topic read sensors/#", "topic write actuators/#", "topic readwrite home/#",
                "topic deny home/secret/#");
        assertTrue(subscribe(acl, "c", "alice", "sensors/+/temp"));
        assertTrue(subscribe(acl, "c", "alice", "#"), "Mosquitto grants it and filters at delivery");
        assertTrue(read(acl, "c", "alice", "sensors/1/temp"));
        assertFalse(read(acl, "c", "alice", "other/topic"), "what canReceive then refuses");
        assertFalse(subscribe(acl, "c", "alice", "actuators/#"), "write only");
        assertFalse(subscribe(acl, "c", "alice", "other/#"));
        assertTrue(subscribe(acl, "c", "alice", "home/#"));
        assertFalse(subscribe(acl, "c", "alice", "home/secret/#"), "every topic of it is denied");
        assertFalse(subscribe(acl, "c", "alice", "home/secret/key"));
        assertFalse(subscribe(acl, "c", "alice", "$SYS/#"));
        assertTrue(subscribe(acl, "c", "alice", "sensors"), "sensors/# matches its parent level too");
    }

    @Test
    void subscribeFollowsPatterns() throws Exception {
        AclFile acl = acl("pattern read devices/%c/#", "pattern deny devices/%c/private/#");
        assertTrue(subscribe(acl, "dev1", null, "devices/dev1/cmd"));
        assertTrue(subscribe(acl, "dev1", null, "devices/+/cmd"), "delivery only passes devices/dev1/cmd");
        assertFalse(subscribe(acl, "dev1", null, "devices/dev2/#"));
        assertFalse(subscribe(acl, "dev1", null, "devices/dev1/private/x"));
    }

    @Test
    void filterArithmetic() {
        assertEquals("a/b", AclTopics.intersection("a/+", "+/b"));
        assertEquals("a", AclTopics.intersection("a/#", "a"));
        assertEquals("a/b/c", AclTopics.intersection("#", "a/b/c"));
        assertEquals("a/+/c", AclTopics.intersection("a/#", "+/+/c"));
        assertNull(AclTopics.intersection("a/+", "a/b/c"));
        assertNull(AclTopics.intersection("#", "$SYS/x"));
        assertNull(AclTopics.intersection("+/x", "$SYS/x"));
        assertTrue(AclTopics.covers("a/#", "a/+/c"));
        assertTrue(AclTopics.covers("+/+", "a/+"));
        assertFalse(AclTopics.covers("a/+", "a/#"));
        assertFalse(AclTopics.covers("#", "$SYS/x"));
        assertTrue(AclTopics.covers("$SYS/#", "$SYS/x"));
        assertTrue(TopicFilters.matches("a/#", "a"));
        assertFalse(TopicFilters.matches("a/+", "a"));
    }

    @Test
    void badLinesAreRefusedWithFileAndLine() {
        assertBad("topic", 1, "`topic` needs a topic");
        assertBad("user alice\ntopic rw a/b", 2, "unknown access 'rw'");
        assertBad("\n\ntopic read a/#/b", 3, "invalid topic 'a/#/b': '#' must be a whole level and the last one");
        assertBad("topic read a+/b", 1, "'+' must be a whole level");
        assertBad("usr alice", 1, "unknown keyword 'usr'");
        assertBad("user", 1, "`user` needs a user name");
        assertBad("pattern", 1, "`pattern` needs a topic");
    }

    private static void assertBad(String text, int line, String detail) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> AclFile.parse(text, "etc/acl"));
        assertEquals(line, e.line());
        assertTrue(e.getMessage().startsWith("etc/acl:" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }
}
