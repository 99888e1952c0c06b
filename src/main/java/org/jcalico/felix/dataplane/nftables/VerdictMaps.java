package org.jcalico.felix.dataplane.nftables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.hoststate.Chain;

/**
 * A chain's verdict-map rules ({@code KEY vmap { K : goto C, ... }}, the renderer's dispatch by interface) as named
 * maps the rule refers to ({@code KEY vmap @MAP}), so that an endpoint added or removed is one map element added or
 * deleted instead of the rule rewritten with every endpoint's element. A map is named after its chain and key
 * ({@code jc-from-wl-dispatch-iifname-ip-saddr}); a rule of any other shape stays as it is. Pure.
 */
final class VerdictMaps {
    private static final Pattern VMAP_RULE = Pattern.compile("(\\S.*?) vmap \\{ (.+) \\}");
    /** One element as the renderer writes it: a quoted interface name, optionally an address, and where it goes. */
    private static final Pattern ELEMENT = Pattern.compile("(\"[^\",{}]+\"(?: \\. [0-9a-fA-F.:]+)?) : ((?:goto|jump) [\\w.-]+)");
    private static final Map<String, String> KEY_TYPES = Map.of("iifname", "ifname", "oifname", "ifname",
            "ip saddr", "ipv4_addr", "ip daddr", "ipv4_addr", "ip6 saddr", "ipv6_addr", "ip6 daddr", "ipv6_addr");

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

    private static VerdictMap map(String chain, String rule) {
        Matcher matcher = VMAP_RULE.matcher(rule);
        if (!matcher.matches()) {
            return null;
        }
        List<String> types = new ArrayList<>();
        for (String part : matcher.group(1).split(" \\. ")) {
            String type = KEY_TYPES.get(part);
            if (type == null) {
                return null;
            }
            types.add(type);
        }
        Map<String, String> elements = new LinkedHashMap<>();
        for (String element : matcher.group(2).split(", ")) {
            Matcher parsed = ELEMENT.matcher(element);
            if (!parsed.matches() || parsed.group(1).split(" \\. ").length != types.size()) {
                return null;
            }
            elements.put(parsed.group(1), parsed.group(2));
        }
        String name = chain + "-" + matcher.group(1).replace(" . ", "-").replace(' ', '-');
        return new VerdictMap(name, String.join(" . ", types), elements);
    }
}
