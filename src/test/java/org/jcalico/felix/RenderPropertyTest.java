package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.bgp.RoutingIntent;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.ipsets.IpSetPlanner;
import org.jcalico.felix.dataplane.ipsets.IpSetSnapshot;
import org.jcalico.felix.dataplane.iptables.IptablesPlanner;
import org.jcalico.felix.dataplane.iptables.IptablesSnapshot;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.ResourceGenerator;
import org.jcalico.model.StoredForm;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.nodes.NodeService;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The principle "validation accepts exactly what the dataplane can express", as a property over many random
 * resources that validation accepts: their rendering by the agent's own calculation and planners passes
 * iptables-restore --test, ip6tables-restore --test and bird -p in a scratch namespace ("jctv-render"). Everything is
 * tried as one batch; when a batch fails, bisection names the resource to blame. The seed is fixed
 * (-Djcalico.fuzz.seed=N tries another) and named in every failure.
 */
@Tag("kernel")
class RenderPropertyTest {
    private static final String NAMESPACE = TestNamespaces.named("jctv-render");
    private static final long SEED = Long.getLong("jcalico.fuzz.seed", 20261130L);
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static CommandRunner scratch;
    @TempDir
    static Path dir;

    @BeforeAll
    static void createNamespace() {
        KernelTests.assumeKernel();
        Namespaces.delete(NAMESPACE);
        scratch = Namespaces.create(NAMESPACE);
    }

    @AfterAll
    static void deleteNamespace() {
        Namespaces.delete(NAMESPACE);
    }

    @Test
    void acceptedProfilesRenderIntoRulesThatIptablesAccepts() {
        List<Profile> profiles = new ArrayList<>(accepted(Profile.KIND, 300, Profile.class));
        profiles.addAll(profilesOfAcceptedRules(3000, 10));
        Profile carrier = StoredForm.fromJson(json(ResourceGenerator.tagCarrier()), Profile.class);
        // every tag set of the whole batch exists before any subset is tried
        HostState all = hostState(carrier, profiles);
        scratch.run(List.of("ipset", "restore", "-exist"), IpSetPlanner.fill(all.ipSets(), IpSetSnapshot.EMPTY).input().text()).check();
        assertFalse(iptablesRefusal(List.of("-A jc-test ! -p 0 -j DROP")).isEmpty(), "the harness itself must see refusals");
        long rules = profiles.stream().mapToLong(p -> p.inbound().size() + p.outbound().size()).sum();
        assertTrue(profiles.size() >= 300 && rules >= 2000, profiles.size() + " profiles with " + rules + " rules");
        blame(profiles, batch -> iptablesRefusal(hostState(carrier, batch)), "profile");
    }

    @Test
    void acceptedNodesPeersAndPoolsRenderIntoConfigurationThatBirdAccepts() {
        List<Node> nodes = new ArrayList<>();
        for (Node node : accepted(Node.KIND, 150, Node.class)) {
            try {
                NodeService.checkAddressesFree(node, nodes); // as apply and node registration check a cluster
                if (node.ipv4() != null) {
                    nodes.add(node);
                }
            } catch (ValidationException e) {
                // refused
            }
        }
        List<BgpPeer> peers = accepted(BgpPeer.KIND, 150, BgpPeer.class).stream()
                .map(peer -> new BgpPeer(peer.peerIp(), peer.asNumber(), null, null, peer.importLimit()))
                .collect(Collectors.toMap(BgpPeer::peerIp, peer -> peer, (a, b) -> a, java.util.LinkedHashMap::new)).values()
                .stream().toList(); // one global peer per address, as the store keys them
        List<IpPool> pools = accepted(IpPool.KIND, 50, IpPool.class);
        List<BgpConfiguration> configs = accepted(BgpConfiguration.KIND, 10, BgpConfiguration.class);
        for (BgpConfiguration bgp : configs) {
            blame(nodes.subList(1, nodes.size()), batch -> birdRefusal(nodes.get(0), batch, List.of(), pools, bgp), "node");
            blame(peers, batch -> birdRefusal(nodes.get(0), List.of(), batch, pools, bgp), "peer");
            blame(pools, batch -> birdRefusal(nodes.get(0), List.of(), List.of(), batch, bgp), "pool");
        }
        for (Node self : nodes.subList(0, 20)) {
            String refusal = birdRefusal(self, List.of(), peers.subList(0, 5), pools, BgpConfiguration.DEFAULTS);
            if (!refusal.isEmpty()) {
                fail("seed " + SEED + ": BIRD refuses the configuration of node " + ResourceCodec.toYaml(List.of(self)) + refusal);
            }
        }
    }

    /** Random rules one by one, those validation accepts packed into profiles of {@code size} rules each way. */
    private static List<Profile> profilesOfAcceptedRules(int count, int size) {
        ResourceGenerator generator = new ResourceGenerator(SEED, 0);
        List<org.jcalico.model.Rule> rules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                Profile one = StoredForm.fromJson(json(Map.of("kind", Profile.KIND, "name", "r", "inbound",
                        List.of(generator.rule()))), Profile.class);
                rules.addAll(one.inbound());
            } catch (ValidationException e) {
                // refused
            }
        }
        List<Profile> profiles = new ArrayList<>();
        for (int i = 0; i + size <= rules.size(); i += size) {
            List<org.jcalico.model.Rule> some = rules.subList(i, i + size);
            profiles.add(new Profile("rules-" + i, List.of(), Map.of(), some, some.reversed()));
        }
        return profiles;
    }

    /** Up to {@code count} resources of the kind that validation accepts, from well-formed random values. */
    private static <T extends Resource> List<T> accepted(String kind, int count, Class<T> type) {
        ResourceGenerator generator = new ResourceGenerator(SEED + kind.hashCode(), 0);
        List<T> out = new ArrayList<>();
        for (int attempt = 0; attempt < count * 20 && out.size() < count; attempt++) {
            try {
                out.add(StoredForm.fromJson(json(generator.of(kind)), type));
            } catch (ValidationException e) {
                // refused: the other property suite checks refusals
            }
        }
        return out;
    }

    /** Fails naming the one resource whose rendering is refused, if the whole batch's is. */
    private static <T extends Resource> void blame(List<T> batch, Function<List<T>, String> refusal, String what) {
        String message = refusal.apply(batch);
        if (message.isEmpty()) {
            return;
        }
        List<T> suspects = batch;
        while (suspects.size() > 1) {
            List<T> half = suspects.subList(0, suspects.size() / 2);
            suspects = !refusal.apply(half).isEmpty() ? half : suspects.subList(suspects.size() / 2, suspects.size());
        }
        String single = refusal.apply(suspects);
        fail("seed " + SEED + ": validation accepted a " + what + " whose rendering is refused:\n"
                + ResourceCodec.toYaml(suspects) + (single.isEmpty() ? "(only together with others) " + message : single));
    }

    private static HostState hostState(Profile carrier, List<Profile> profiles) {
        List<Profile> all = new ArrayList<>(profiles);
        all.add(carrier);
        Map<String, Profile> byName = all.stream().collect(Collectors.toMap(Profile::name, p -> p, (a, b) -> b));
        WorkloadEndpoint endpoint = new WorkloadEndpoint("h1", null, "c1", "ep1", "jc0", null,
                List.of(Cidr.parse("10.65.0.1/32")), List.of(Cidr.parse("fd65::1/128")), List.copyOf(byName.keySet()), null, null, null, null);
        Snapshot snapshot = Snapshot.of("h1", FelixConfiguration.DEFAULTS, List.of(endpoint), byName);
        return new HostStateCalculator().calculate(snapshot);
    }

    /** What iptables-restore --test and ip6tables-restore --test say about the state's rules; empty when both accept. */
    private static String iptablesRefusal(HostState state) {
        StringBuilder refusals = new StringBuilder();
        for (int version : List.of(4, 6)) {
            String input = IptablesPlanner.plan(state.iptables(version), IptablesSnapshot.EMPTY, RuleHash::of).restoreInput();
            CommandRunner.Result result = scratch.run(List.of(version == 4 ? "iptables-restore" : "ip6tables-restore", "--test"), input);
            if (!result.ok()) {
                refusals.append("IPv").append(version).append(": ").append(result.stderr().strip()).append('\n');
            }
        }
        return refusals.toString();
    }

    private static String iptablesRefusal(List<String> rules) {
        String input = "*filter\n:jc-test - [0:0]\n" + String.join("\n", rules) + "\nCOMMIT\n";
        CommandRunner.Result result = scratch.run(List.of("iptables-restore", "--test"), input);
        return result.ok() ? "" : result.stderr();
    }

    private static String birdRefusal(Node self, List<Node> others, List<BgpPeer> peers, List<IpPool> pools,
                                      BgpConfiguration bgp) {
        List<Node> nodes = new ArrayList<>(others.stream().filter(node -> !node.name().equals(self.name())).toList());
        nodes.add(self);
        RoutingIntent intent = new RoutingIntent(self.name(), nodes, peers, bgp, pools, List.of(), List.of(), List.of());
        Path file = dir.resolve("bird.conf");
        try {
            Files.writeString(file, BirdConfig.render(intent, dir.resolve("bird.log")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        CommandRunner.Result result = scratch.run("bird", "-p", "-c", file.toString());
        return result.ok() ? "" : (result.stderr() + result.stdout()).strip() + "\n";
    }

    private static String json(Map<String, Object> raw) {
        try {
            return PLAIN.writeValueAsString(raw);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
