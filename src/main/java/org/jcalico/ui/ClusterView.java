package org.jcalico.ui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.bgp.BgpStatus;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.Node;
import org.jcalico.model.Policy;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.PolicyCluster;
import org.jcalico.policy.PolicyVerdicts;

/**
 * The cluster as the UI shows it, as plain maps for JSON: nodes with their agent and BGP sessions, endpoints with
 * their addresses, labels, status and the policies that apply to them in each direction (the policy model's own
 * {@link PolicyVerdicts#applying}, as `policy explain` evaluates them). Pure.
 */
public final class ClusterView {
    private ClusterView() {
    }

    public static Map<String, Object> of(List<Node> nodes, Map<String, NodeFacts> facts, PolicyCluster cluster,
                                         Map<String, EndpointStatus> statuses) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("nodes", nodes.stream().map(node -> node(node, facts.get(node.name()))).toList());
        PolicyVerdicts verdicts = new PolicyVerdicts(cluster);
        view.put("endpoints", cluster.endpoints().stream()
                .sorted(java.util.Comparator.comparing(WorkloadEndpoint::node).thenComparing(WorkloadEndpoint::endpointId))
                .map(endpoint -> endpoint(endpoint, verdicts, statuses.get(endpoint.endpointId()))).toList());
        return view;
    }

    private static Map<String, Object> node(Node node, NodeFacts facts) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", node.name());
        map.put("ipv4", node.ipv4() == null ? null : node.ipv4().toString());
        map.put("ipv6", node.ipv6() == null ? null : node.ipv6().toString());
        map.put("as", node.asNumber());
        map.put("agent", facts.agent());
        List<Map<String, Object>> sessions = new ArrayList<>();
        if (facts.health() != null) {
            AgentStatusFile.Status status = facts.health().status();
            if (status != null) {
                map.put("state", status.state().toString().replace('_', ' '));
                map.put("programmed", status.programmed());
                map.put("isolated", status.isolated());
                map.put("failed", status.failed());
            }
            map.put("ready", facts.readiness().ok());
            map.put("problem", facts.readiness().problem());
            map.put("bgp", !facts.health().bgpExpected() ? "off" : facts.health().birdPid() == null ? "BIRD not running"
                    : facts.health().birdError() != null ? facts.health().birdError() : "running");
            for (BgpStatus.Session session : facts.health().sessions()) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("peer", session.peer());
                s.put("type", session.type());
                s.put("family", "IPv" + session.version());
                s.put("state", session.state());
                s.put("since", session.since());
                s.put("info", session.info());
                s.put("established", session.established());
                sessions.add(s);
            }
        }
        map.put("sessions", sessions);
        return map;
    }

    private static Map<String, Object> endpoint(WorkloadEndpoint endpoint, PolicyVerdicts verdicts, EndpointStatus status) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", endpoint.endpointId());
        map.put("node", endpoint.node());
        map.put("container", endpoint.containerId());
        map.put("interface", endpoint.interfaceName());
        map.put("namespace", endpoint.namespace());
        map.put("addresses", endpoint.nets().stream().map(Cidr::toString).toList());
        map.put("labels", endpoint.labels());
        map.put("profiles", endpoint.profileIds());
        map.put("status", status == null ? "not reported"
                : status.isolated() ? EndpointStatus.ISOLATED : status.state().toString());
        map.put("statusDetail", status == null ? null : status.detail());
        Map<String, Object> policies = new LinkedHashMap<>();
        for (Direction direction : List.of(Direction.INBOUND, Direction.OUTBOUND)) {
            List<String> applying = new ArrayList<>();
            for (PolicyVerdicts.TierPolicies tier : verdicts.applying(endpoint, direction)) {
                for (Policy policy : tier.policies()) {
                    applying.add(tier.tier().name() + " > " + policy.id());
                }
            }
            policies.put(org.jcalico.policy.Verdict.name(direction), applying);
        }
        map.put("policies", policies);
        return map;
    }
}
