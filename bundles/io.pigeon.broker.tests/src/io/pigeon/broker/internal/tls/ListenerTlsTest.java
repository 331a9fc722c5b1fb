package io.pigeon.broker.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/**
 * The broker's own check of a listener's TLS settings, for configurations that do not come through pigeon.conf
 * (Configuration Admin, the console): every refusal names the place, the directive, the value and the fix.
 */
class ListenerTlsTest {

    private static final Function<String, String> WHERE = key -> "etc/pigeon.conf:" + key.length();

    private static ListenerTls.Options options(String certfile, String keyfile, String cafile, String crlfile,
            String tlsVersion, String ciphers, String ciphers13, boolean require, boolean identity) {
        return new ListenerTls.Options(certfile, keyfile, cafile, "", crlfile, tlsVersion, ciphers, ciphers13, require,
                identity, false);
    }

    private static String refusal(ListenerTls.Options o) {
        return assertThrows(IllegalArgumentException.class, () -> ListenerTls.from(o, WHERE)).getMessage();
    }

    @Test
    void aListenerWithoutCertificateAndKeyIsPlain() {
        assertNull(ListenerTls.from(options("", "", "", "", "", "", "", false, false), WHERE));
    }

    @Test
    void tlsDirectivesOnAPlainListenerAreRefused() {
        assertEquals("etc/pigeon.conf:6: cafile /etc/ca.crt: only applies to a TLS listener: add certfile and keyfile"
                + " to this listener section, or remove the line.",
                refusal(options("", "", "/etc/ca.crt", "", "", "", "", false, false)));
        assertEquals("etc/pigeon.conf:19: require_certificate true: only applies to a TLS listener: add certfile and"
                + " keyfile to this listener section, or remove the line.",
                refusal(options("", "", "", "", "", "", "", true, false)));
    }

    @Test
    void settingsThatCannotWorkTogetherAreRefusedBeforeAnyFileIsRead() {
        assertEquals("etc/pigeon.conf:8: certfile /x.crt: needs keyfile in the same listener section. Add keyfile or"
                + " remove this line.", refusal(options("/x.crt", "", "", "", "", "", "", false, false)));
        assertEquals("etc/pigeon.conf:24: use_identity_as_username true: needs cafile or capath to check client"
                + " certificates. Add one of them to the listener section.",
                refusal(options("/x.crt", "/x.key", "", "", "", "", "", false, true)));
        assertTrue(refusal(options("/x.crt", "/x.key", "/ca.crt", "", "", "", "", false, true))
                .contains("needs require_certificate true"));
        assertTrue(refusal(options("/x.crt", "/x.key", "/ca.crt", "/crl.pem", "", "", "", false, false))
                .startsWith("etc/pigeon.conf:7: crlfile /crl.pem: needs require_certificate true"));
    }

    @Test
    void aMissingFileIsNamedWithItsDirective() {
        String message = refusal(options("/nonexistent/server.crt", "/nonexistent/server.key", "", "", "", "", "",
                false, false));
        assertTrue(message.startsWith("etc/pigeon.conf:8: certfile /nonexistent/server.crt: /nonexistent/server.crt is"
                + " not a readable PEM file"), message);
    }

    @Test
    void openSslCipherNamesBecomeJavaSuitesAndTheOtherVersionKeepsItsDefaults() {
        List<String> suites = ListenerTls.cipherSuites(WHERE, options("/x.crt", "/x.key", "", "", "",
                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384", "", false, false));
        assertTrue(suites.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), suites.toString());
        assertTrue(suites.contains("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), suites.toString());
        assertTrue(suites.contains("TLS_AES_128_GCM_SHA256"), "TLS 1.3 lost its default suites: " + suites);
        assertEquals(2, suites.stream().filter(s -> s.contains("_WITH_")).count(), suites.toString());

        List<String> only13 = ListenerTls.cipherSuites(WHERE, options("/x.crt", "/x.key", "", "", "", "",
                "TLS_AES_256_GCM_SHA384", false, false));
        assertEquals(List.of("TLS_AES_256_GCM_SHA384"), only13.stream()
                .filter(s -> !s.contains("_WITH_") && !s.endsWith("_SCSV")).toList());
        assertTrue(only13.stream().anyMatch(s -> s.contains("_WITH_")), "TLS 1.2 lost its default suites");

        assertNull(ListenerTls.cipherSuites(WHERE, options("/x.crt", "/x.key", "", "", "", "", "", false, false)));
        String unknown = assertThrows(IllegalArgumentException.class, () -> ListenerTls.cipherSuites(WHERE,
                options("/x.crt", "/x.key", "", "", "", "RC4-MD5-NOPE", "", false, false))).getMessage();
        assertTrue(unknown.startsWith("etc/pigeon.conf:7: ciphers RC4-MD5-NOPE: names RC4-MD5-NOPE, which is not a"
                + " cipher suite this JVM has."), unknown);
    }
}
