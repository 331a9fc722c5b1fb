package io.pigeon.gateway.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The build turns each bundle's {@code @ObjectClassDefinition}/{@code @Designate} into OSGI-INF/metatype XML, and
 * in a running gateway Equinox's MetaTypeService serves every one of them: each PID a bundle designates, and each
 * PID a DS component names, has a form (typed attributes, defaults the attribute itself accepts) for the console.
 * The PIDs are read from the bundles and from the DS runtime, not listed here, so a new bundle is checked as soon
 * as it is in the gateway feature.
 */
@ExtendWith({ BundleContextExtension.class, ServiceExtension.class })
class MetatypeTest {

    /** The attribute types of Metatype 1.4 that a form can edit (BIGINTEGER and BIGDECIMAL are deprecated). */
    private static final Set<Integer> FORM_TYPES = Set.of(AttributeDefinition.STRING, AttributeDefinition.LONG,
            AttributeDefinition.INTEGER, AttributeDefinition.SHORT, AttributeDefinition.CHARACTER,
            AttributeDefinition.BYTE, AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT,
            AttributeDefinition.BOOLEAN, AttributeDefinition.PASSWORD);

    @InjectBundleContext
    BundleContext context;

    @InjectService
    MetaTypeService metaType;

    /**
     * One {@code <Designate>} of an OSGI-INF/metatype resource in a gateway bundle, with the ids of the attributes
     * its OCD gives a {@code default} in that resource.
     */
    record Designation(Bundle bundle, String resource, String pid, boolean factory, String ocdRef,
            Set<String> attributesWithDefault) {

        @Override
        public String toString() {
            return (factory ? "factory PID " : "PID ") + pid + " (" + bundle.getSymbolicName() + " " + resource + ")";
        }
    }

    @Test
    void everyDesignatedPidHasATypedFormInMetaTypeService() throws Exception {
        List<Designation> designations = designationsInGatewayBundles();
        List<String> problems = new ArrayList<>();
        for (Designation designation : designations) {
            MetaTypeInformation information = metaType.getMetaTypeInformation(designation.bundle());
            String[] served = information == null ? null
                    : designation.factory() ? information.getFactoryPids() : information.getPids();
            if (served == null || !Arrays.asList(served).contains(designation.pid())) {
                problems.add(designation + ": MetaTypeService does not serve it (Equinox metatype refused the XML?"
                        + " see the log); it serves " + (served == null ? "nothing" : Arrays.toString(served)));
                continue;
            }
            ObjectClassDefinition ocd = information.getObjectClassDefinition(designation.pid(), null);
            if (ocd == null || !designation.ocdRef().equals(ocd.getID())) {
                problems.add(designation + ": expected OCD " + designation.ocdRef() + ", MetaTypeService gives "
                        + (ocd == null ? "none" : ocd.getID()));
                continue;
            }
            problems.addAll(formProblems(designation, ocd));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyConfigurationPidAComponentNamesHasMetatype(@InjectService ServiceComponentRuntime scr) {
        Set<String> described = new HashSet<>();
        for (Bundle bundle : gatewayBundles()) {
            MetaTypeInformation information = metaType.getMetaTypeInformation(bundle);
            if (information != null) {
                described.addAll(Arrays.asList(information.getPids()));
                described.addAll(Arrays.asList(information.getFactoryPids()));
            }
        }
        Set<String> named = new TreeSet<>();
        List<String> undescribed = new ArrayList<>();
        for (ComponentDescriptionDTO component : scr.getComponentDescriptionDTOs()) {
            if (!isGatewayBundle(component.bundle.symbolicName) || "ignore".equals(component.configurationPolicy)) {
                continue;
            }
            for (String pid : component.configurationPid) {
                // A PID equal to the component's class name is DS's default, not one chosen for users to configure.
                if (pid.equals(component.name)) {
                    continue;
                }
                named.add(pid);
                if (!described.contains(pid)) {
                    undescribed.add(component.name + " (" + component.bundle.symbolicName + ") is configured by PID "
                            + pid + ", which no bundle's metatype describes: put @Designate(ocd = <its"
                            + " @ObjectClassDefinition>.class) on the component");
                }
            }
        }
        assertTrue(named.containsAll(Set.of("io.pigeon.broker", "io.pigeon.listener", "io.pigeon.client")),
                "components of the broker and client with their PIDs are missing from DS: " + named);
        assertEquals(List.of(), undescribed);
    }

    @Test
    void theBrokerListenerAndClientFormsCarryTheirTypesAndDefaults() {
        ObjectClassDefinition broker = ocd("io.pigeon.broker", "io.pigeon.broker", false);
        assertAttribute(broker, "max.qos", AttributeDefinition.INTEGER, "2");
        assertAttribute(broker, "max.queued.bytes", AttributeDefinition.LONG, "0");
        assertAttribute(broker, "retain.available", AttributeDefinition.BOOLEAN, "true");

        ObjectClassDefinition listener = ocd("io.pigeon.broker", "io.pigeon.listener", true);
        assertAttribute(listener, "port", AttributeDefinition.INTEGER, "1883");
        AttributeDefinition protocol = assertAttribute(listener, "protocol", AttributeDefinition.STRING, "mqtt");
        assertArrayEquals(new String[] { "mqtt", "websockets" }, protocol.getOptionValues());
        assertFalse(protocol.validate("ftp").isEmpty(), "a protocol outside the options must be refused");

        ObjectClassDefinition client = ocd("io.pigeon.client", "io.pigeon.client", false);
        assertAttribute(client, "keepalive", AttributeDefinition.INTEGER, "60");
        assertAttribute(client, ".password", AttributeDefinition.PASSWORD, "");
        assertFalse(attribute(client, "will.qos").validate("3").isEmpty(), "will.qos 3 must be refused (max 2)");

        ObjectClassDefinition auth = ocd("io.pigeon.auth", "io.pigeon.broker", false);
        assertAttribute(auth, "per.listener.settings", AttributeDefinition.BOOLEAN, "false");
    }

    /**
     * A PID may be designated by several bundles (io.pigeon.broker by the broker and by auth); a console merges
     * their forms into one, so an attribute both define must agree on its type and default.
     */
    @Test
    void bundlesSharingAPidAgreeOnEachAttribute() throws Exception {
        record Defined(AttributeDefinition attribute, String bundle) {
            @Override
            public String toString() {
                return "type " + attribute.getType() + " default " + Arrays.toString(attribute.getDefaultValue())
                        + " in " + bundle;
            }
        }
        Map<String, Map<String, Defined>> byPid = new LinkedHashMap<>();
        List<String> conflicts = new ArrayList<>();
        for (Designation designation : designationsInGatewayBundles()) {
            ObjectClassDefinition ocd = metaType.getMetaTypeInformation(designation.bundle())
                    .getObjectClassDefinition(designation.pid(), null);
            assertNotNull(ocd, designation + " has no OCD in MetaTypeService");
            Map<String, Defined> attributes = byPid.computeIfAbsent(designation.pid(), pid -> new LinkedHashMap<>());
            for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                Defined here = new Defined(ad, designation.bundle().getSymbolicName());
                Defined earlier = attributes.putIfAbsent(ad.getID(), here);
                if (earlier != null && (earlier.attribute().getType() != ad.getType()
                        || !Arrays.equals(earlier.attribute().getDefaultValue(), ad.getDefaultValue()))) {
                    conflicts.add(designation.pid() + " attribute " + ad.getID() + ": " + earlier + ", " + here);
                }
            }
        }
        assertEquals(List.of(), conflicts);
    }

    /** What a console could not draw or fill in from this OCD. */
    private static List<String> formProblems(Designation where, ObjectClassDefinition ocd) {
        List<String> problems = new ArrayList<>();
        if (ocd.getName() == null || ocd.getName().isBlank()) {
            problems.add(where + ": OCD " + ocd.getID() + " has no name");
        }
        AttributeDefinition[] attributes = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        if (attributes == null || attributes.length == 0) {
            problems.add(where + ": OCD " + ocd.getID() + " has no attributes");
            return problems;
        }
        Set<String> required = ids(ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
        for (AttributeDefinition ad : attributes) {
            String attribute = where + " attribute " + ad.getID();
            if (ad.getName() == null || ad.getName().isBlank()) {
                problems.add(attribute + ": no name");
            }
            if (!FORM_TYPES.contains(ad.getType())) {
                problems.add(attribute + ": type " + ad.getType() + " is not one a form can edit");
            }
            String[] defaults = ad.getDefaultValue();
            if (defaults == null) {
                // Equinox drops a default that fails the attribute's own type, min, max or options (and logs it).
                if (where.attributesWithDefault().contains(ad.getID())) {
                    problems.add(attribute + ": MetaTypeService refused the default the XML gives (wrong type,"
                            + " outside min/max or not one of the options)");
                } else if (!required.contains(ad.getID())) {
                    // Only a value the user must give (a GPIO pin's number) may come without a default.
                    problems.add(attribute + ": optional but without a default, so a form starts empty");
                }
                continue;
            }
            if (ad.getCardinality() == 0 && defaults.length != 1) {
                problems.add(attribute + ": single-valued but default " + Arrays.toString(defaults));
            }
            for (String value : defaults) {
                String verdict = ad.validate(value);
                if (verdict != null && !verdict.isEmpty()) {
                    problems.add(attribute + ": its default '" + value + "' fails its own definition: " + verdict);
                }
            }
        }
        return problems;
    }

    private static Set<String> ids(AttributeDefinition[] attributes) {
        Set<String> ids = new HashSet<>();
        for (AttributeDefinition ad : attributes == null ? new AttributeDefinition[0] : attributes) {
            ids.add(ad.getID());
        }
        return ids;
    }

    private ObjectClassDefinition ocd(String bundleName, String pid, boolean factory) {
        Bundle bundle = gatewayBundles().stream().filter(b -> b.getSymbolicName().equals(bundleName)).findFirst()
                .orElseThrow(() -> new AssertionError(bundleName + " is not installed"));
        MetaTypeInformation information = metaType.getMetaTypeInformation(bundle);
        assertNotNull(information, "no metatype for " + bundleName);
        List<String> served = Arrays.asList(factory ? information.getFactoryPids() : information.getPids());
        assertTrue(served.contains(pid), bundleName + " serves " + served + ", not " + pid);
        ObjectClassDefinition ocd = information.getObjectClassDefinition(pid, null);
        assertNotNull(ocd, "no OCD for " + pid + " in " + bundleName);
        return ocd;
    }

    private static AttributeDefinition attribute(ObjectClassDefinition ocd, String id) {
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            if (ad.getID().equals(id)) {
                return ad;
            }
        }
        return fail(ocd.getID() + " has no attribute " + id);
    }

    private static AttributeDefinition assertAttribute(ObjectClassDefinition ocd, String id, int type,
            String defaultValue) {
        AttributeDefinition ad = attribute(ocd, id);
        assertEquals(type, ad.getType(), ocd.getID() + " " + id + " type");
        assertArrayEquals(new String[] { defaultValue }, ad.getDefaultValue(), ocd.getID() + " " + id + " default");
        return ad;
    }

    /** The Designate elements of every OSGI-INF/metatype/*.xml in the gateway's bundles, as the build wrote them. */
    private List<Designation> designationsInGatewayBundles() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        DocumentBuilder parser = factory.newDocumentBuilder();
        List<Designation> designations = new ArrayList<>();
        for (Bundle bundle : gatewayBundles()) {
            Enumeration<URL> resources = bundle.findEntries("OSGI-INF/metatype", "*.xml", false);
            for (URL resource : resources == null ? List.<URL>of() : Collections.list(resources)) {
                Document document;
                try (InputStream in = resource.openStream()) {
                    document = parser.parse(in);
                }
                Map<String, Set<String>> defaultsByOcd = new LinkedHashMap<>();
                for (Element ocd : elements(document.getDocumentElement(), "OCD")) {
                    Set<String> withDefault = new HashSet<>();
                    for (Element ad : elements(ocd, "AD")) {
                        if (ad.hasAttribute("default")) {
                            withDefault.add(ad.getAttribute("id"));
                        }
                    }
                    defaultsByOcd.put(ocd.getAttribute("id"), withDefault);
                }
                for (Element designate : elements(document.getDocumentElement(), "Designate")) {
                    List<Element> objects = elements(designate, "Object");
                    String ocdRef = objects.isEmpty() ? "" : objects.get(0).getAttribute("ocdref");
                    String factoryPid = designate.getAttribute("factoryPid");
                    boolean isFactory = !factoryPid.isEmpty();
                    designations.add(new Designation(bundle, resource.getPath(),
                            isFactory ? factoryPid : designate.getAttribute("pid"), isFactory, ocdRef,
                            defaultsByOcd.getOrDefault(ocdRef, Set.of())));
                }
            }
        }
        assertFalse(designations.isEmpty(), "no io.pigeon bundle has OSGI-INF/metatype/*.xml: the build did not"
                + " generate metatype (bundles/pom.xml, bnd-maven-plugin execution 'metatype')");
        return designations;
    }

    /** Elements named {@code localName} below {@code parent}, in any namespace or none (Designate has none). */
    private static List<Element> elements(Element parent, String localName) {
        NodeList nodes = parent.getElementsByTagNameNS("*", localName);
        List<Element> elements = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            elements.add((Element) nodes.item(i));
        }
        return elements;
    }

    private List<Bundle> gatewayBundles() {
        List<Bundle> bundles = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (isGatewayBundle(bundle.getSymbolicName())
                    && bundle.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
                bundles.add(bundle);
            }
        }
        return bundles;
    }

    private static boolean isGatewayBundle(String symbolicName) {
        return symbolicName != null && symbolicName.startsWith("io.pigeon.") && !symbolicName.endsWith(".tests");
    }
}
