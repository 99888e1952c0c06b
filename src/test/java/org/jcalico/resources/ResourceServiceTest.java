package org.jcalico.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.ipam.Ipam;
import org.jcalico.model.IpPool;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** apply and delete: a file is applied whole or not at all, and nothing is deleted that something depends on. */
class ResourceServiceTest {
    @TempDir
    Path dir;
    private Datastore datastore;
    private ResourceService service;

    @BeforeEach
    void open() {
        datastore = EmbeddedDatastore.open(dir.resolve("store.db"));
        service = new ResourceService(new ResourceStore(datastore));
    }

    @AfterEach
    void close() {
        datastore.close();
    }

    private String refused(String yaml) {
        Listing before = datastore.list("");
        String message = assertThrows(ValidationException.class, () -> service.apply(ResourceCodec.decodeAll(yaml))).getMessage();
        assertEquals(before, datastore.list(""), "a refused file changes nothing");
        return message;
    }

    @Test
    void aFileWithOneBadResourceAppliesNothing() {
        assertEquals("resource 2 (Profile db): source.tag: 'nope' is not a tag of any profile", refused("""
                kind: IPPool
                cidr: 10.65.0.0/16
                ---
                kind: Profile
                name: db
                inbound: [{action: allow, source: {tag: nope}}]
                """));
        assertEquals("resource 1 (IPPool 10.65.0.0/16): cidr: '10.65.0.0/16' overlaps pool 10.65.1.0/24", refused("""
                kind: IPPool
                cidr: 10.65.0.0/16
                ---
                kind: IPPool
                cidr: 10.65.1.0/24
                """));
        assertEquals("resource 1 (IPAMBlock 10.65.0.0/26): IPAMBlock is written by jcalico itself (it cannot be applied)",
                refused("kind: IPAMBlock\ncidr: 10.65.0.0/26\n"));
        assertEquals("resource 2 (Node h2): ipv4: '172.30.0.1' is already the address of node 'h1'",
                refused("kind: Node\nname: h1\nipv4: 172.30.0.1\n---\nkind: Node\nname: h2\nipv4: 172.30.0.1\n"));
        assertEquals("resource 2 (Profile web): appears twice in the input",
                refused("kind: Profile\nname: web\n---\nkind: Profile\nname: web\n"));
    }

    @Test
    void tagsMayComeFromTheSameFileAndReApplyingIsUnchanged() {
        String file = """
                kind: Profile
                name: web
                tags: [web]
                inbound: [{action: allow, source: {tag: db}}]
                ---
                kind: Profile
                name: db
                tags: [db]
                """;
        assertEquals("created", service.apply(ResourceCodec.decodeAll(file)).get(0).verb());
        assertEquals("unchanged", service.apply(ResourceCodec.decodeAll(file)).get(0).verb());
    }

    @Test
    void deletionIsRefusedWhileSomethingDependsOnIt() {
        ResourceStore store = new ResourceStore(datastore);
        store.create(new IpPool(org.jcalico.model.Cidr.parse("10.65.0.0/16"), false, null, false));
        org.jcalico.testing.RegisteredNodes.register(store, "h1");
        new Ipam(store).autoAssign("h1", 4, "e1");
        store.create(Profile.securityGroup("web"));
        store.create(new Profile("app", java.util.List.of("app"), java.util.Map.of(),
                java.util.List.of(org.jcalico.model.Rule.allow().withSource(new org.jcalico.model.EntityMatch("web", null, null))),
                java.util.List.of()));
        Listing before = datastore.list("");
        assertEquals("pool 10.65.0.0/16 still has 1 allocated address; release them first (jcalico ipam show)",
                assertThrows(ValidationException.class, () -> service.delete(IpPool.class, "10.65.0.0/16")).getMessage());
        assertEquals("tag 'web' of profile 'web' is used by rules of profile 'app'; remove those rules first",
                assertThrows(ValidationException.class, () -> service.delete(Profile.class, "web")).getMessage());
        assertEquals("a WorkloadEndpoint is managed by jcalico itself: use 'jcalico container remove'",
                assertThrows(ValidationException.class, () -> service.delete(org.jcalico.model.WorkloadEndpoint.class, "x")).getMessage());
        assertEquals(before, datastore.list(""));
    }

    /** Issue 9, defect 15: apply refuses to take away a tag that rules still use, exactly as 'profile remove' does. */
    @Test
    void applyRefusesToRemoveATagThatRulesUse() {
        service.apply(ResourceCodec.decodeAll("""
                kind: Profile
                name: web
                tags: [web]
                ---
                kind: Profile
                name: app
                inbound: [{action: allow, source: {tag: web}}]
                """));
        assertEquals("resource 1 (Profile web): tag 'web' of profile 'web' is used by rules of profile 'app'; remove those rules first",
                refused("kind: Profile\nname: web\ntags: [other]\n"));
        assertEquals("updated", service.apply(ResourceCodec.decodeAll("""
                kind: Profile
                name: web
                tags: [other]
                ---
                kind: Profile
                name: app
                inbound: [{action: allow, source: {tag: other}}]
                """)).get(0).verb());
    }

    /**
     * Issue 9, defect 10: apply was quadratic (4,000 profiles 7 s, 85,000 never finished). 20,000 profiles that name
     * each other's tags, applied and then applied again unchanged, must take seconds; the quadratic version took minutes.
     */
    @Test
    void applyIsLinearInTheNumberOfResources() {
        int count = 20_000;
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < count; i++) {
            file.append("kind: Profile\nname: p").append(i).append("\ntags: [t").append(i).append("]\ninbound:\n")
                    .append("- {action: allow, source: {tag: t").append((i + 1) % count).append("}}\n---\n");
        }
        List<org.jcalico.model.Resource> resources = ResourceCodec.decodeAll(file.toString());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertEquals(count, service.apply(resources).stream().filter(a -> a.verb().equals("created")).count());
            assertEquals(count, service.apply(resources).stream().filter(a -> a.verb().equals("unchanged")).count());
        }, "applying " + count + " profiles twice");
    }

    @Test
    void aPolicyNeedsItsTierAndATierWithPoliciesStays() {
        String policy = """
                kind: GlobalNetworkPolicy
                metadata: {name: deny-legacy}
                spec: {tier: platform, selector: app == "legacy", ingress: [{action: Deny}]}
                """;
        assertEquals("resource 1 (GlobalNetworkPolicy deny-legacy): spec.tier: 'platform' does not exist (apply the Tier first, or in the same file)",
                refused(policy));
        service.apply(ResourceCodec.decodeAll("kind: Tier\nmetadata: {name: platform}\nspec: {order: 100}\n---\n" + policy));
        Listing before = datastore.list("");
        assertEquals("Tier 'platform' still holds GlobalNetworkPolicy/deny-legacy (delete or move its policies first)",
                assertThrows(ValidationException.class, () -> service.delete(org.jcalico.model.Tier.class, "platform")).getMessage());
        assertEquals("the default tier always exists and cannot be deleted",
                assertThrows(ValidationException.class, () -> service.delete(org.jcalico.model.Tier.class, "default")).getMessage());
        assertEquals(before, datastore.list(""));
        service.delete(org.jcalico.model.GlobalNetworkPolicy.class, "deny-legacy");
        service.delete(org.jcalico.model.Tier.class, "platform");
        assertEquals(List.of(), new ResourceStore(datastore).list(org.jcalico.model.Tier.class));
    }
}
