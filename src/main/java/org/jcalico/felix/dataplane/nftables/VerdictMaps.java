package org.jcalico.felix.dataplane.nftables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.Chain;

/**
 * A chain's verdict-map rules ({@code KEY vmap { K : goto C, ... }}, the renderer's dispatch by interface) as named
 * maps the rule refers to ({@code KEY vmap @MAP}), so that an endpoint added or removed is one map element added or
 * deleted instead of the rule rewritten with every endpoint's element. A map is named after its chain and key
 * ({@code jc-from-wl-dispatch-iifname-ip-saddr}); a rule of any other shape stays as it is. Pure.
 */
final class VerdictMaps {
    private static final Map<String, String> KEY_TYPES = Map.of("iifname", "ifname", "oifname", "ifname",
            "ip saddr", "ipv4_addr", "ip daddr", "ipv4_addr", "ip6 saddr", "ipv6_addr", "ip6 daddr", "ipv6_addr");

    private static final String VMAP = " vmap { ";

    private VerdictMaps() {
    }

    /** A named verdict map: its nft key type and its elements (key to verdict), in the rule's order. */
    record VerdictMap(String name, String type, Map<String, String> elements) {
    }

    /** The chain's rules as written to the kernel (map rules referring to their maps) and the maps they refer to. */
    record Split(List<String> rules, Map<String, VerdictMap> maps) {
        /** Whether the other differs from this only in its maps' elements. */
        boolean sameButElements(Split other) {
            if (!rules.equals(other.rules) || !maps.keySet().equals(other.maps.keySet())) {
                return false;
            }
            return maps.values().stream().allMatch(map -> map.type().equals(other.maps.get(map.name()).type()));
        }
    }

    static Split split(Chain chain) {
        if (chain.rules().stream().noneMatch(rule -> rule.contains(VMAP))) {
            // nearly every chain: its rules as they are (calc's list is immutable), nothing copied
            return new Split(chain.rules(), Map.of());
        }
        List<String> rules = new ArrayList<>();
        Map<String, VerdictMap> maps = new LinkedHashMap<>();
        for (String rule : chain.rules()) {
            VerdictMap map = map(chain.name(), rule);
            if (map == null || maps.containsKey(map.name())) {
                rules.add(rule);
            } else {
                maps.put(map.name(), map);
                rules.add(rule.substring(0, rule.indexOf(" vmap {")) + " vmap @" + map.name());
            }
        }
        return new Split(List.copyOf(rules), maps);
    }

    /**
     * The rule's map, or null when it is not a verdict map of this shape. Read by hand, not by regular expression:
     * a dispatch rule holds an element per endpoint and is read again whenever an endpoint comes or goes.
     */
    private static VerdictMap map(String chain, String rule) {
        int open = rule.indexOf(VMAP);
        if (open <= 0 || !rule.endsWith(" }") || rule.charAt(0) == ' ') {
            return null;
        }
        String key = rule.substring(0, open);
        List<String> types = new ArrayList<>();
        for (String part : key.split(" \\. ")) {
            String type = KEY_TYPES.get(part);
            if (type == null) {
                return null;
            }
            types.add(type);
        }
        Map<String, String> elements = new LinkedHashMap<>();
        int end = rule.length() - 2;
        for (int at = open + VMAP.length(); at < end; ) {
            int next = rule.indexOf(", ", at);
            next = next < 0 || next > end ? end : next;
            int colon = rule.indexOf(" : ", at);
            if (colon < 0 || colon > next) {
                return null;
            }
            String element = rule.substring(at, colon);
            String verdict = rule.substring(colon + 3, next);
            if (!isKey(element, types.size()) || !isVerdict(verdict)) {
                return null;
            }
            elements.put(element, verdict);
            at = next + 2;
        }
        if (elements.isEmpty()) {
            return null;
        }
        String name = chain + "-" + key.replace(" . ", "-").replace(' ', '-');
        return new VerdictMap(name, String.join(" . ", types), elements);
    }

    /** A quoted interface name, then (for a key of two parts) " . " and an address. */
    private static boolean isKey(String element, int parts) {
        int close = element.indexOf('"', 1);
        if (element.length() < 3 || element.charAt(0) != '"' || close < 2) {
            return false;
        }
        for (int i = 1; i < close; i++) {
            char c = element.charAt(i);
            if (c == ',' || c == '{' || c == '}' || c == ' ') {
                return false;
            }
        }
        String rest = element.substring(close + 1);
        if (parts == 1) {
            return rest.isEmpty();
        }
        if (!rest.startsWith(" . ") || rest.length() == 3) {
            return false;
        }
        for (int i = 3; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
                return false;
            }
        }
        return parts == 2;
    }

    /** "goto CHAIN" or "jump CHAIN". */
    private static boolean isVerdict(String verdict) {
        if (!(verdict.startsWith("goto ") || verdict.startsWith("jump ")) || verdict.length() == 5) {
            return false;
        }
        for (int i = 5; i < verdict.length(); i++) {
            char c = verdict.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
