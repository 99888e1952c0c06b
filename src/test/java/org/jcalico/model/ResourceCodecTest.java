package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceCodecTest {
    private static final List<Resource> ALL = List.of(
            new Node("h1", IpAddress.parse("172.30.0.1"), IpAddress.parse("fd30::1"), 64513L),
            new IpPool(Cidr.parse("10.65.0.0/16"), true, null, false),
            new IpamBlock(Cidr.parse("10.65.0.0/26"), "h1", Map.of(0, "ep1", 5, "ep2")),
            Profile.securityGroup("web"),
            new WorkloadEndpoint("h1", null, "c1", "ep1", "jc0123456789a", "02:00:00:00:00:01",
                    List.of(Cidr.parse("10.65.0.0/32")), List.of(Cidr.parse("fd65::/128")), List.of("web"), null, null, null, null),
            new EndpointStatus("h1", "ep1", EndpointStatus.State.programmed, null, 1L),
            new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, null),
            BgpConfiguration.DEFAULTS,
            new FelixConfiguration("node.h1", 5, null, null, null));

    @Test
    void everyKindRoundTripsThroughJsonAndYaml() {
        for (Resource resource : ALL) {
            assertEquals(resource, StoredForm.fromJson(ResourceCodec.toJson(resource)), resource.kind());
        }
        assertEquals(ALL, ResourceCodec.decodeAll(ResourceCodec.toYaml(ALL)));
        assertEquals(ALL, ResourceCodec.decodeAll(ResourceCodec.toPrettyJson(ALL, true)));
    }

    /**
     * YAML as large as `apply` reads (its files are bounded at 64 MiB; 100,000 profiles make 20 MB) is read whole, as
     * JSON is, in many documents or in one list: the YAML reader's own default stops at 3 MB of a document ("exceeds the
     * limit: 3145728 code points"), which refused YAML files that the same resources in JSON passed.
     */
    @Test
    void yamlLargerThanTheReadersDefaultOf3MbIsRead() {
        List<Resource> profiles = new java.util.ArrayList<>();
        for (int i = 0; i < 18_000; i++) {
            profiles.add(Profile.securityGroup("p" + i + "-" + "x".repeat(56)));
        }
        String documents = ResourceCodec.toYaml(profiles);
        assertTrue(documents.length() > 3 << 20, documents.length() + " characters");
        assertEquals(profiles, ResourceCodec.decodeAll(documents));
        String list = "kind: List\nitems:\n" + documents.replace("---\n", "").replaceAll("(?m)^apiVersion", "- apiVersion")
                .replaceAll("(?m)^(kind|metadata|spec|  )", "  $1");
        assertEquals(profiles, ResourceCodec.decodeAll(list));
    }

    @Test
    void yamlFormIsCalicosV3() {
        assertEquals("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: 10.65.0.0-16\nspec:\n"
                        + "  cidr: 10.65.0.0/16\n  blockSize: 26\n  natOutgoing: true\n  disabled: false\n",
                ResourceCodec.toYaml(List.of(ALL.get(1))));
    }

    @Test
    void defaultsAreFilledIn() {
        IpPool pool = (IpPool) ResourceCodec.decodeAll("kind: IPPool\ncidr: fd00::/64\n").get(0);
        assertEquals(122, pool.blockSize());
        assertEquals(false, pool.natOutgoing());
    }

    @Test
    void errorsNameTheResourceFieldAndValue() {
        String file = "kind: Profile\nname: web\n---\nkind: IPPool\ncidr: 10.0.0/16\n";
        assertEquals("resource 2 (IPPool): cidr: '10.0.0/16' is not a valid CIDR", message(file));
        assertEquals("resource 1 (IPPool): natoutgoing: not supported by jcalico (supported here: blockSize, cidr, disabled,"
                + " natOutgoing, poolName)", message("kind: IPPool\ncidr: 10.0.0.0/16\nnatoutgoing: true\n"));
        assertEquals("resource 1 (Pool): unknown kind 'Pool' (known: " + String.join(", ", Kinds.names()) + ")",
                message("kind: Pool\ncidr: 10.0.0.0/16\n"));
        assertEquals("resource 1 (IPPool): blockSize: '12' is out of range for IPv4 (20-32)",
                message("kind: IPPool\ncidr: 10.0.0.0/8\nblockSize: 12\n"));
        assertEquals("resource 1: missing 'kind'", message("cidr: 10.0.0.0/8\n"));
        assertEquals("resource 1 (Profile): inbound[0].destination.ports: '80_x' is not a valid port list (expected numbers, ranges first:last or port names, e.g. [80, \"8000:8080\", http])",
                message("kind: Profile\nname: p\ninbound:\n- action: allow\n  protocol: tcp\n  destination: {ports: 80_x}\n"));
    }

    private static String message(String file) {
        return assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(file)).getMessage();
    }

    @Test
    void kindsResolveFromWhatUsersType() {
        assertEquals("IPPool", Kinds.resolve("ippools").orElseThrow());
        assertEquals("IPPool", Kinds.resolve("pool").orElseThrow());
        assertEquals("WorkloadEndpoint", Kinds.resolve("workloadendpoint").orElseThrow());
        assertEquals(true, Kinds.resolve("frobs").isEmpty());
    }

    /** Issue 9, defect 11: a duplicate key, an alias or a fraction where an integer belongs is refused, never guessed. */
    @Test
    void duplicateKeysAliasesAndFractionsAreRefused() {
        String denyThenAllow = "kind: Profile\nname: p\ninbound:\n- action: deny\n  action: allow\n";
        assertTrue(message(denyThenAllow).contains("Duplicate field 'action'"), message(denyThenAllow));
        String json = "{\"kind\": \"Profile\", \"name\": \"p\", \"inbound\": [{\"action\": \"deny\", \"action\": \"allow\"}]}";
        assertTrue(message(json).contains("Duplicate field 'action'"), message(json));
        assertTrue(message("kind: IPPool\ncidr: 10.0.0.0/16\ncidr: 10.1.0.0/16\n").contains("Duplicate field 'cidr'"));
        String alias = "kind: Profile\nname: &n web\ntags: [*n]\n";
        assertEquals("not valid YAML: line 3: anchors and aliases (&NAME, *NAME) are not supported; write the value out in full",
                message(alias));
        assertTrue(message("kind: IPPool\ncidr: 10.0.0.0/16\nblockSize: 26.9\n").startsWith("resource 1 (IPPool): blockSize: "));
        assertTrue(message("{\"kind\": \"Node\", \"name\": \"h1\", \"asNumber\": 64512.5}").startsWith("resource 1 (Node): asNumber: "));
        assertTrue(message("{\"kind\": \"Node\", \"name\": \"h1\"} {\"kind\": \"Node\", \"name\": \"h2\"}")
                .startsWith("not valid JSON or YAML: "));
    }

    /** Issue 9, defect 16: what get prints applies back unchanged; a YAML number where a string belongs is read too. */
    @Test
    void numbersLookingStringsRoundTripThroughYaml() {
        Profile profile = new Profile("80", List.of("443"), Map.of("1", "2"), List.of(new Rule(Action.ALLOW,
                Protocol.parse("47"), null, null, null, null, null, null), new Rule(Action.ALLOW, Protocol.parse("tcp"),
                null, new EntityMatch(null, null, Ports.parse("1")), new EntityMatch(null, null, Ports.parse("80")),
                null, null, null)), List.of());
        String yaml = ResourceCodec.toYaml(List.of(profile));
        assertEquals(List.of(profile), ResourceCodec.decodeAll(yaml), yaml);
        Profile typed = (Profile) ResourceCodec.decodeAll(
                "kind: Profile\nname: p\ninbound:\n- {action: allow, protocol: 6, destination: {ports: 80}}\n").get(0);
        assertEquals("tcp", typed.inbound().get(0).protocol().name());
        assertEquals("80", typed.inbound().get(0).destination().ports().toString());
    }
}
