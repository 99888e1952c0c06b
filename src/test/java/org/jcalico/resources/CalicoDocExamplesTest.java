package org.jcalico.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.datastore.embedded.EmbeddedDatastore;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.GlobalNetworkPolicy;
import org.jcalico.model.GlobalNetworkSet;
import org.jcalico.model.NetworkPolicy;
import org.jcalico.model.NetworkSet;
import org.jcalico.model.PolicyType;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.model.Tier;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample resources of Calico's reference pages (src/test/resources/calico-docs, each with its source address)
 * apply to a datastore unchanged, mean what the pages say, and print back in a form that applies again to the same
 * resources. The one sample that asks for what jcalico lacks (IP-in-IP) is refused, naming the field.
 */
class CalicoDocExamplesTest {
    private static final List<String> APPLIED = List.of("tier.yaml", "globalnetworkpolicy.yaml",
            "tiered-globalnetworkpolicy.yaml", "networkpolicy.yaml", "globalnetworkset.yaml", "networkset.yaml");

    @TempDir
    Path dir;

    @Test
    void samplesApplyUnchangedAndPrintBack() {
        List<Resource> resources = new ArrayList<>();
        APPLIED.forEach(file -> resources.addAll(ResourceCodec.decodeAll(sample(file))));
        try (EmbeddedDatastore datastore = EmbeddedDatastore.open(dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            new ResourceService(store).apply(resources);
            List<Resource> stored = new ArrayList<>();
            for (Resource resource : resources) {
                stored.add(store.get(resource.getClass(), resource.name()).map(Versioned::resource).orElseThrow());
            }
            assertEquals(resources, stored);
            assertEquals(stored, ResourceCodec.decodeAll(ResourceCodec.toYaml(stored)));
        }
    }

    @Test
    void samplesMeanWhatThePagesSay() {
        Tier tier = (Tier) ResourceCodec.decodeAll(sample("tier.yaml")).get(0);
        assertEquals(100.0, tier.spec().order());
        assertEquals(Action.DENY, tier.spec().defaultAction());

        // "allows TCP traffic from frontend endpoints to port 6379 on database endpoints"
        GlobalNetworkPolicy global = (GlobalNetworkPolicy) ResourceCodec.decodeAll(sample("globalnetworkpolicy.yaml")).get(0);
        assertEquals(Tier.DEFAULT, global.spec().tier());
        assertEquals("role == \"database\"", global.spec().selector());
        assertEquals(List.of(PolicyType.INGRESS, PolicyType.EGRESS), global.spec().types());
        Rule ingress = global.spec().ingress().get(0);
        assertEquals(Action.ALLOW, ingress.action());
        assertEquals("tcp", ingress.protocol().name());
        assertEquals("role == \"frontend\"", ingress.source().selector());
        assertEquals("6379", ingress.destination().ports().toString());
        assertEquals(Map.of("from", "frontend", "to", "database"), ingress.metadata().annotations());
        assertEquals(List.of(Rule.allow()), global.spec().egress());

        GlobalNetworkPolicy tiered = (GlobalNetworkPolicy) ResourceCodec.decodeAll(sample("tiered-globalnetworkpolicy.yaml")).get(0);
        assertEquals("internal-access", tiered.spec().tier());

        NetworkPolicy namespaced = (NetworkPolicy) ResourceCodec.decodeAll(sample("networkpolicy.yaml")).get(0);
        assertEquals("production", namespaced.namespace());
        assertEquals(global.spec(), namespaced.spec());

        GlobalNetworkSet globalSet = (GlobalNetworkSet) ResourceCodec.decodeAll(sample("globalnetworkset.yaml")).get(0);
        assertEquals(Map.of("role", "external-database"), globalSet.metadata().labels());
        assertEquals(List.of(Cidr.parse("198.51.100.0/28"), Cidr.parse("203.0.113.0/24")), globalSet.spec().nets());

        NetworkSet set = (NetworkSet) ResourceCodec.decodeAll(sample("networkset.yaml")).get(0);
        assertEquals("staging/external-database", set.name());
        assertEquals(Map.of("role", "db"), set.metadata().labels());
    }

    @Test
    void theIpPoolSampleIsRefusedForItsEncapsulation() {
        assertEquals("resource 1 (IPPool): spec.ipipMode: 'CrossSubnet' is not supported by jcalico (only Never)",
                assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(sample("ippool.yaml"))).getMessage());
    }

    private static String sample(String file) {
        try (InputStream in = CalicoDocExamplesTest.class.getResourceAsStream("/calico-docs/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new AssertionError("cannot read sample " + file, e);
        }
    }
}
