package org.jcalico.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Direction;

/**
 * The model's verdict on a packet for one endpoint in one direction: the steps it passed (Log and Pass rules,
 * passing tiers, missing profiles) and the step that decided.
 *
 * @param endpoint the endpoint's id, or null for an address outside every endpoint
 */
public record Verdict(Direction direction, String endpoint, List<Hit> path, Hit decision) {
    public Verdict {
        path = List.copyOf(path);
    }

    public boolean allows() {
        return decision.allows();
    }

    /** "egress" or "ingress", as policies name the directions. */
    public static String name(Direction direction) {
        return direction == Direction.OUTBOUND ? "egress" : "ingress";
    }

    public Map<String, Object> json() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("direction", name(direction));
        map.put("endpoint", endpoint);
        map.put("path", path.stream().map(Hit::json).toList());
        map.put("decision", decision.json());
        map.put("allowed", allows());
        return map;
    }
}
