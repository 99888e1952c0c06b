package org.jcalico.ui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.explain.PolicyExplainer;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.Explanation;
import org.jcalico.policy.PolicyCluster;
import org.jcalico.policy.PolicyVerdicts;

/**
 * Who may reach whom among chosen endpoints, by the policy model alone (no probe): for each ordered pair, the packet
 * `policy explain` would send (ICMP echo, or TCP/UDP to a port) from the first address of a family both have (IPv4
 * first), and the model's verdict with the steps that decided it in each direction. Pure.
 */
public final class ConnectivityMatrix {
    /** More would make a page no one reads, and n^2 verdicts per refresh. */
    public static final int MAX_ENDPOINTS = 30;

    private ConnectivityMatrix() {
    }

    /** @param protocol tcp, udp or icmp (null: tcp with a port, else icmp) */
    public static Map<String, Object> of(PolicyCluster cluster, List<String> endpointIds, String protocol, Integer port) {
        if (endpointIds.size() > MAX_ENDPOINTS) {
            throw new ValidationException("endpoints: " + endpointIds.size() + " chosen, at most " + MAX_ENDPOINTS);
        }
        // checked once for the question, not per pair: a pair of one endpoint, or of no family in common, builds no packet
        PolicyExplainer.probeProtocol(protocol, port);
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (String id : endpointIds) {
            WorkloadEndpoint endpoint = cluster.endpoint(id);
            if (endpoint == null) {
                throw ValidationException.field("endpoints", id, "is not an endpoint");
            }
            endpoints.add(endpoint);
        }
        PolicyVerdicts verdicts = new PolicyVerdicts(cluster);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (WorkloadEndpoint from : endpoints) {
            List<Map<String, Object>> cells = new ArrayList<>();
            for (WorkloadEndpoint to : endpoints) {
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("to", to.endpointId());
                int family = !from.nets(4).isEmpty() && !to.nets(4).isEmpty() ? 4
                        : !from.nets(6).isEmpty() && !to.nets(6).isEmpty() ? 6 : 0;
                if (from == to || family == 0) {
                    cell.put("allowed", null);
                    cell.put("why", from == to ? "same endpoint" : "no IP family in common");
                } else {
                    var packet = PolicyExplainer.packet(protocol, port, from.nets(family).get(0).network(),
                            to.nets(family).get(0).network());
                    Explanation explanation = verdicts.explain(packet, from, to);
                    cell.put("allowed", explanation.allows());
                    cell.put("packet", packet.toString());
                    cell.put("egress", explanation.egress().decision().text());
                    cell.put("ingress", explanation.ingress().decision().text());
                }
                cells.add(cell);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("from", from.endpointId());
            row.put("cells", cells);
            rows.add(row);
        }
        Map<String, Object> matrix = new LinkedHashMap<>();
        matrix.put("endpoints", endpointIds);
        matrix.put("rows", rows);
        return matrix;
    }
}
