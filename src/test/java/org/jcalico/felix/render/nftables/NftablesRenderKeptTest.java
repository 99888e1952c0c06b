package org.jcalico.felix.render.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.VerdictMap;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/**
 * The nftables renderer renders again only what differs from its last tables (session 35): after every step of a random
 * sequence of local endpoints coming and going, one at a time and by the dozen (so that the dispatch trees gain and lose
 * leaves and levels, and a leaf chain goes with its last endpoint), a kept calculator's nft rendering equals a new
 * calculator's. Fails when a changed dispatch chain does not make its tree's map again (tried).
 */
class NftablesRenderKeptTest {
    private static final FelixConfiguration NFTABLES = FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES);
    private final Random random = new Random(20261203L);
    private int next;

    @Test
    void aKeptRenderingEqualsOneFromNothingAfterEveryStep() {
        Map<String, Profile> profiles = Map.of("web", Profile.securityGroup("web"));
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        HostStateCalculator kept = new HostStateCalculator();
        for (int step = 0; step < 150; step++) {
            switch (random.nextInt(5)) {
                case 0 -> {
                    for (int i = random.nextInt(40); i >= 0; i--) {
                        endpoints.add(endpoint());
                    }
                }
                case 1 -> endpoints.removeIf(endpoint -> random.nextInt(3) == 0);
                case 2 -> {
                    if (!endpoints.isEmpty()) {
                        endpoints.remove(random.nextInt(endpoints.size()));
                    }
                }
                default -> endpoints.add(endpoint());
            }
            Snapshot snapshot = Snapshot.of("local", NFTABLES, endpoints, profiles);
            HostState incremental = kept.calculate(snapshot);
            HostState fresh = new HostStateCalculator().calculate(snapshot);
            assertEquals(fresh.ipv4(), incremental.ipv4(), "IPv4, step " + step + ", " + endpoints.size() + " endpoints");
            assertEquals(fresh.ipv6(), incremental.ipv6(), "IPv6, step " + step);
        }
    }

    /**
     * Session 41: at two levels, endpoints coming and going one at a time so that leaves open and close (and, under a
     * rare first character, the chain of jumps above them comes and goes, and the root with it), one in ten allowed a
     * spoofed source net (a rule kept beside the maps, and a leaf the maps cannot take by elements alone): the verdict
     * maps changed by the branch that came or went equal the trees collected from nothing after every step.
     */
    @Test
    void leavesOpeningAndClosingOneAtATimeRenderAsATreeFromNothing() {
        Map<String, Profile> profiles = Map.of("web", Profile.securityGroup("web"));
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        while (endpoints.size() < 300) {
            endpoints.add(leafEndpoint());
        }
        HostStateCalculator kept = new HostStateCalculator();
        for (int step = 0; step < 400; step++) {
            if (endpoints.size() < 290 || random.nextBoolean()) {
                endpoints.add(leafEndpoint());
            } else {
                endpoints.remove(random.nextInt(endpoints.size()));
            }
            Snapshot snapshot = Snapshot.of("local", NFTABLES, endpoints, profiles);
            HostState incremental = kept.calculate(snapshot);
            HostState fresh = new HostStateCalculator().calculate(snapshot);
            assertEquals(fresh.ipv4(), incremental.ipv4(), "IPv4, step " + step + ", " + endpoints.size() + " endpoints");
            assertEquals(fresh.ipv6(), incremental.ipv6(), "IPv6, step " + step);
        }
    }

    /**
     * Session 59: an endpoint's chain that only enters its shared chain is not rendered, and its dispatch elements go
     * to the shared chain. Endpoints changing policy (their shared chain changes, their dispatch chains do not), going
     * admin-down and up (a chain of their own comes and goes) and gaining and losing a spoofable net (a body of their
     * own, and a rule beside the maps), one at a time among 200: after every step the kept rendering equals one from
     * nothing, and every element goes to a chain the rendering holds. Fails when an element is not re-pointed with its
     * endpoint's shared chain (tried).
     */
    @Test
    void endpointsChangingPolicyAndStateReRenderTheirElements() {
        Map<String, Profile> profiles = Map.of("web", Profile.securityGroup("web"), "db", Profile.securityGroup("db"));
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        while (endpoints.size() < 200) {
            endpoints.add(endpoint());
        }
        HostStateCalculator kept = new HostStateCalculator();
        kept.calculate(Snapshot.of("local", NFTABLES, endpoints, profiles));
        List<List<String>> memberships = List.of(List.of("web"), List.of("db"), List.of("web", "db"));
        for (int step = 0; step < 300; step++) {
            int index = random.nextInt(endpoints.size());
            WorkloadEndpoint endpoint = endpoints.get(index);
            endpoints.set(index, switch (random.nextInt(4)) {
                case 0 -> endpoint.withState(endpoint.isolation().isPresent() ? "active" : "down");
                case 1 -> endpoint.withMembership(endpoint.profileIds(), endpoint.labels(),
                        endpoint.allowSpoofedSourcePrefixes().isEmpty() ? List.of(Cidr.parse("10.201." + step % 256 + ".0/24"))
                                : List.of());
                default -> endpoint.withMembership(memberships.get(random.nextInt(memberships.size())), endpoint.labels(),
                        endpoint.allowSpoofedSourcePrefixes());
            });
            Snapshot snapshot = Snapshot.of("local", NFTABLES, endpoints, profiles);
            HostState incremental = kept.calculate(snapshot);
            HostState fresh = new HostStateCalculator().calculate(snapshot);
            assertEquals(fresh.ipv4(), incremental.ipv4(), "IPv4, step " + step);
            assertEquals(fresh.ipv6(), incremental.ipv6(), "IPv6, step " + step);
            for (int version : List.of(4, 6)) {
                Map<String, Chain> chains = incremental.iptables(version).chains("filter");
                for (Chain chain : chains.values()) {
                    for (VerdictMap map : chain.maps()) {
                        for (String target : map.elements().values()) {
                            assertTrue(chains.containsKey(target.substring("goto ".length())),
                                    "IPv" + version + " step " + step + ": " + map.name() + " goes to " + target);
                        }
                    }
                }
            }
        }
    }

    /** An endpoint of a random interface whose first hex digit is rarely "f", and one in ten with a spoofed net. */
    private WorkloadEndpoint leafEndpoint() {
        String iface = "jc" + (random.nextInt(150) == 0 ? "f" : Integer.toHexString(random.nextInt(15)))
                + String.format("%06x", random.nextInt(1 << 24));
        List<Cidr> spoofed = random.nextInt(10) == 0 ? List.of(Cidr.parse("10.200." + next % 256 + ".0/24")) : List.of();
        return endpoint(iface, spoofed);
    }

    private WorkloadEndpoint endpoint() {
        // spread as the agent's names are (a hash of the endpoint), so that the trees' leaves fill and empty
        return endpoint("jc" + Integer.toHexString(next * 0x9E3779B1 >>> 8), List.of());
    }

    private WorkloadEndpoint endpoint(String iface, List<Cidr> spoofed) {
        int index = next++;
        Cidr v4 = Cidr.host(Cidr.parse("10.96.0.0/12").addressAt(BigInteger.valueOf(index)));
        Cidr v6 = Cidr.host(Cidr.parse("fd96::/64").addressAt(BigInteger.valueOf(index)));
        return new WorkloadEndpoint("local", null, "c" + index, "e" + index, iface, null, List.of(v4), List.of(v6),
                List.of("web"), null, null, null, null, null, spoofed);
    }
}
