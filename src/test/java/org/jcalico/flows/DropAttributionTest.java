package org.jcalico.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.program.DropLog;
import org.jcalico.felix.program.Origin;
import org.jcalico.model.Action;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** A line of ulogd's as a denied flow of the contract's shape, told by the node's desired state. */
class DropAttributionTest {
    private static final WorkloadEndpoint WEB = new WorkloadEndpoint("h1", null, "c-w", "ep-web", "jcw", null,
            List.of(Cidr.parseHostOrNet("10.0.0.1")), List.of(Cidr.parseHostOrNet("fd00::1")), List.of("open"), null,
            "shop", Map.of("app", "web"), List.of());
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(org.jcalico.model.Rule.allow()),
            List.of(org.jcalico.model.Rule.allow()));

    private static HostState state() {
        return state(List.of(WEB));
    }

    private static HostState state(List<WorkloadEndpoint> endpoints) {
        List<Policy> policies = ResourceCodec.decodeAll("""
                kind: NetworkPolicy
                metadata: {name: guard, namespace: shop}
                spec:
                  selector: app == "web"
                  ingress:
                  - {action: Deny, protocol: TCP, destination: {ports: [22]}}
                  - {action: Allow, protocol: UDP}
                """).stream().map(Policy.class::cast).toList();
        return new HostStateCalculator().calculate(Snapshot.of("h1", FelixConfiguration.DEFAULTS, endpoints,
                Map.of("open", OPEN)).withPolicy(List.of(), policies, List.of(), Map.of()));
    }

    /** As ulogd 2.0.8 writes it (a real line, trimmed of fields nobody reads). */
    private static String line(String prefix, String rest) {
        return "{\"timestamp\": \"2026-11-30T13:58:56.736109\", \"dvc\": \"Netfilter\", \"oob.prefix\": \"" + prefix
                + "\", \"oob.time.sec\": 1796047136, \"oob.time.usec\": 736109, \"oob.ifindex_out\": 5, \"oob.family\": 2, "
                + rest + "}";
    }

    @Test
    void aPolicyRulesDropIsTheEndpointsWhoseAddressItIsAndRoundTripsThroughTheContract() {
        DropAttribution attribution = DropAttribution.of(state(), List.of(WEB));
        String prefix = DropLog.prefix(new Origin.PolicyRule("NetworkPolicy/shop/guard", "default", Direction.INBOUND, 0, Action.DENY));
        DeniedFlow flow = attribution.flow(UlogdPacket.parse(line(prefix, "\"ip.protocol\": 6, \"src_port\": 39836, "
                + "\"dest_port\": 22, \"tcp.syn\": 1, \"src_ip\": \"10.0.0.9\", \"dest_ip\": \"10.0.0.1\"")), "h1");
        assertEquals(new DeniedFlow(java.time.Instant.parse("2026-11-30T13:58:56.736Z"), "h1", "ingress", "ep-web", "tcp",
                "10.0.0.9", "10.0.0.1", 39836, 22, null, null, DroppedBy.policyRule("default", "shop/guard", 0)), flow);
        assertEquals("{\"time\":\"2026-11-30T13:58:56.736Z\",\"node\":\"h1\",\"direction\":\"ingress\",\"endpoint\":\"ep-web\","
                + "\"protocol\":\"tcp\",\"source\":\"10.0.0.9\",\"destination\":\"10.0.0.1\",\"sourcePort\":39836,"
                + "\"destinationPort\":22,\"droppedBy\":{\"kind\":\"policy\",\"tier\":\"default\",\"policy\":\"shop/guard\","
                + "\"rule\":0}}", flow.toJson());
        assertEquals(flow.toJson(), DeniedFlow.fromJson(flow.toJson()).toJson());
        assertEquals("tier default > shop/guard > rule 0", flow.droppedBy().text());
    }

    @Test
    void anEndOfTierDropNamesTheTiersLastPolicyAndICMPv6HasTypeAndCodeButNoPorts() {
        DropAttribution attribution = DropAttribution.of(state(), List.of(WEB));
        String prefix = DropLog.prefix(new Origin.EndOfTier("default", "NetworkPolicy/shop/guard", null, Direction.INBOUND));
        DeniedFlow flow = attribution.flow(UlogdPacket.parse(line(prefix, "\"ip.protocol\": 58, \"icmpv6.type\": 128, "
                + "\"icmpv6.code\": 0, \"src_ip\": \"fd00::9\", \"dest_ip\": \"fd00::1\"")), "h1");
        assertEquals(DroppedBy.endOfTier("default", "shop/guard"), flow.droppedBy());
        assertEquals("icmpv6", flow.protocol());
        assertEquals("ep-web", flow.endpoint());
        assertEquals(128, flow.icmpType());
        assertNull(flow.sourcePort());
        assertEquals("type 128/0", flow.ports());
        assertEquals("end of tier default (after shop/guard)", flow.droppedBy().text());
    }

    /**
     * Two web endpoints share the chain of their policies, whose drops name no endpoint: each packet is its
     * destination's; a third web endpoint that may send from another prefix keeps its own chain, whose drops name it.
     */
    @Test
    void aSharedChainsDropIsTheEndpointOfThePacketsAddressAndAnOwnChainsItsEndpoints() {
        WorkloadEndpoint other = new WorkloadEndpoint("h1", null, "c-w2", "ep-web2", "jcw2", null,
                List.of(Cidr.parseHostOrNet("10.0.0.2")), List.of(), List.of("open"), null, "shop", Map.of("app", "web"), List.of());
        WorkloadEndpoint spoofing = new WorkloadEndpoint("h1", null, "c-w3", "ep-web3", "jcw3", null,
                List.of(Cidr.parseHostOrNet("10.0.0.3")), List.of(), List.of("open"), null, "shop", Map.of("app", "web"),
                null, null, List.of(Cidr.parse("10.9.0.0/24")));
        List<WorkloadEndpoint> local = List.of(WEB, other, spoofing);
        DropAttribution attribution = DropAttribution.of(state(local), local);
        String shared = DropLog.prefix(new Origin.EndOfTier("default", "NetworkPolicy/shop/guard", null, Direction.INBOUND));
        for (String[] to : new String[][] {{"10.0.0.1", "ep-web"}, {"10.0.0.2", "ep-web2"}}) {
            DeniedFlow flow = attribution.flow(UlogdPacket.parse(line(shared, "\"ip.protocol\": 6, \"src_port\": 1, "
                    + "\"dest_port\": 80, \"src_ip\": \"10.0.0.9\", \"dest_ip\": \"" + to[0] + "\"")), "h1");
            assertEquals(to[1], flow.endpoint());
            assertEquals(DroppedBy.endOfTier("default", "shop/guard"), flow.droppedBy());
        }
        String own = DropLog.prefix(new Origin.EndpointDrop("ep-web3", Direction.OUTBOUND));
        DeniedFlow flow = attribution.flow(UlogdPacket.parse(line(own, "\"ip.protocol\": 17, \"src_port\": 1, "
                + "\"dest_port\": 53, \"src_ip\": \"10.9.0.7\", \"dest_ip\": \"10.0.0.9\"")), "h1");
        assertEquals("ep-web3", flow.endpoint(), "sent from its other prefix: no endpoint's address, but its own chain's drop");
        assertEquals(DroppedBy.defaultDrop(), flow.droppedBy());
    }

    @Test
    void aPrefixOfNoCurrentDropIsNoFlowAndALineWithoutAddressesIsRefused() {
        DropAttribution attribution = DropAttribution.of(state(), List.of(WEB));
        assertNull(attribution.flow(UlogdPacket.parse(line("jcd:000000000000", "\"ip.protocol\": 1, \"icmp.type\": 8, "
                + "\"icmp.code\": 0, \"src_ip\": \"10.0.0.9\", \"dest_ip\": \"10.0.0.1\"")), "h1"));
        assertThrows(IllegalArgumentException.class, () -> UlogdPacket.parse(line("jcd:x", "\"ip.protocol\": 1")));
        DeniedPackets counted = new DeniedPackets();
        counted.count(attribution.flow(UlogdPacket.parse(line(DropLog.prefix(new Origin.EndpointDrop(null, Direction.OUTBOUND)),
                "\"ip.protocol\": 17, \"src_port\": 1, \"dest_port\": 53, \"src_ip\": \"10.0.0.1\", \"dest_ip\": \"10.0.0.9\"")), "h1"));
        assertEquals(1, counted.total("egress"));
        assertEquals(0, counted.total("ingress"));
    }
}
