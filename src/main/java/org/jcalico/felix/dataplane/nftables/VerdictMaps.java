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
    private static final String SEPARATOR = ", ";

    private VerdictMaps() {
    }

    /** A named verdict map: its nft key type and its elements (key to verdict), in the rule's order. */
    record VerdictMap(String name, String type, Map<String, String> elements) {
    }

    /**
     * The chain's rules as written to the kernel (map rules referring to their maps) and the maps they refer to; when
     * it was made from the split of the chain before ({@link #split(Chain, Chain, Split)}), CHANGES holds, for each
     * map of that split this one holds, the elements that differ.
     */
    record Split(List<String> rules, Map<String, VerdictMap> maps, Map<String, ElementChanges> changes) {
        Split(List<String> rules, Map<String, VerdictMap> maps) {
            this(rules, maps, Map.of());
        }

        /** Whether the other differs from this only in its maps' elements. */
        boolean sameButElements(Split other) {
            if (!rules.equals(other.rules) || !maps.keySet().equals(other.maps.keySet())) {
                return false;
            }
            return maps.values().stream().allMatch(map -> map.type().equals(other.maps.get(map.name()).type()));
        }
    }

    /**
     * What makes a map from FROM (the same-named map of the split before): the keys deleted and the elements added
     * ("KEY : VERDICT"); a key whose verdict changed is in both.
     */
    record ElementChanges(VerdictMap from, List<String> deleted, List<String> added) {
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
     * CHAIN's split, made from the split of BEFORE (the chain of the same name the last time) when the two chains
     * differ only in their map rules' elements: then only the elements between the two rule texts' common beginning
     * and common end are read, and the elements the kernel's map must gain and lose come out of that, so an endpoint
     * added to a thousand costs its own element, not reading the thousand (that was a quarter of what planning an
     * endpoint's arrival cost once the chains were walked side by side: docs/dataplane.md, "The nftables dataplane").
     * Any other difference: {@link #split(Chain)}. The maps' elements come out in another order, which a map ignores.
     */
    static Split split(Chain chain, Chain before, Split beforeSplit) {
        List<String> now = chain.rules();
        List<String> was = before.rules();
        if (!chain.name().equals(before.name()) || now.size() != was.size() || beforeSplit.rules().size() != was.size()) {
            return split(chain);
        }
        List<String> rules = new ArrayList<>();
        Map<String, VerdictMap> maps = new LinkedHashMap<>();
        Map<String, ElementChanges> changes = new LinkedHashMap<>();
        for (int i = 0; i < now.size(); i++) {
            String rule = now.get(i);
            int open = rule.indexOf(VMAP);
            if (open < 0) {
                rules.add(rule);
                continue;
            }
            String old = was.get(i);
            String written = beforeSplit.rules().get(i);
            String key = rule.substring(0, open);
            VerdictMap map = beforeSplit.maps().get(mapName(chain.name(), key));
            if (map == null || maps.containsKey(map.name()) || !old.startsWith(key + VMAP)
                    || !written.equals(key + " vmap @" + map.name())) {
                return split(chain);
            }
            if (!rule.equals(old)) {
                ElementChanges changed = changed(map, old, rule, open + VMAP.length());
                if (changed == null) {
                    return split(chain);
                }
                map = made(changed);
                if (map == null) {
                    return split(chain);
                }
                changes.put(map.name(), changed);
            }
            maps.put(map.name(), map);
            rules.add(written);
        }
        return new Split(List.copyOf(rules), maps, changes);
    }

    /**
     * The elements that make NOW's map from OLD's (both the same key's rules, their elements from AT on): those between
     * the texts' common beginning and common end, each text read as ", E1, E2, ..., En, " so that every element is
     * bounded by ", " on both sides; null when one of them is not an element.
     */
    private static ElementChanges changed(VerdictMap map, String old, String now, int at) {
        if (!old.endsWith(" }") || !now.endsWith(" }")) {
            return null;
        }
        String was = SEPARATOR + old.substring(at, old.length() - 2) + SEPARATOR;
        String is = SEPARATOR + now.substring(at, now.length() - 2) + SEPARATOR;
        int common = 0;
        int shorter = Math.min(was.length(), is.length());
        while (common < shorter && was.charAt(common) == is.charAt(common)) {
            common++;
        }
        // the last separator wholly inside the common beginning: the elements before it are the same in both
        int start = was.lastIndexOf(SEPARATOR, common - SEPARATOR.length());
        int end = 0;
        int bound = shorter - start;
        while (end < bound && was.charAt(was.length() - 1 - end) == is.charAt(is.length() - 1 - end)) {
            end++;
        }
        // the first separator wholly inside the common end (at or after START): the elements after it are the same
        int wasEnd = was.indexOf(SEPARATOR, was.length() - end);
        int isEnd = wasEnd + is.length() - was.length();
        Map<String, String> deleted = new LinkedHashMap<>();
        Map<String, String> added = new LinkedHashMap<>();
        int parts = map.type().split(" \\. ").length;
        if (wasEnd > start && !elements(was, start + SEPARATOR.length(), wasEnd, parts, deleted)
                || isEnd > start && !elements(is, start + SEPARATOR.length(), isEnd, parts, added)) {
            return null;
        }
        List<String> addedElements = new ArrayList<>();
        added.forEach((key, verdict) -> addedElements.add(key + " : " + verdict));
        for (Map.Entry<String, String> element : deleted.entrySet()) {
            if (!element.getValue().equals(map.elements().get(element.getKey()))) {
                return null;
            }
        }
        return new ElementChanges(map, List.copyOf(deleted.keySet()), List.copyOf(addedElements));
    }

    /** The map CHANGED makes from its map; null when that is not a map (a key added twice, no element left). */
    private static VerdictMap made(ElementChanges changed) {
        Map<String, String> elements = new LinkedHashMap<>(changed.from().elements());
        changed.deleted().forEach(elements::remove);
        for (String element : changed.added()) {
            int colon = element.indexOf(" : ");
            if (elements.putIfAbsent(element.substring(0, colon), element.substring(colon + 3)) != null) {
                return null;
            }
        }
        return elements.isEmpty() ? null : new VerdictMap(changed.from().name(), changed.from().type(), elements);
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
        if (!elements(rule, open + VMAP.length(), rule.length() - 2, types.size(), elements) || elements.isEmpty()) {
            return null;
        }
        return new VerdictMap(mapName(chain, key), String.join(" . ", types), elements);
    }

    /** A map's name: its chain's and its key's ("iifname . ip saddr": "CHAIN-iifname-ip-saddr"). */
    private static String mapName(String chain, String key) {
        return chain + "-" + key.replace(" . ", "-").replace(' ', '-');
    }

    /**
     * Reads the elements ("KEY : VERDICT", separated by ", ") of TEXT from AT to END into ELEMENTS; false when one is
     * not an element of a key of PARTS parts.
     */
    private static boolean elements(String text, int at, int end, int parts, Map<String, String> elements) {
        while (at < end) {
            int next = text.indexOf(SEPARATOR, at);
            next = next < 0 || next > end ? end : next;
            int colon = text.indexOf(" : ", at);
            if (colon < 0 || colon > next) {
                return false;
            }
            String element = text.substring(at, colon);
            String verdict = text.substring(colon + 3, next);
            if (!isKey(element, parts) || !isVerdict(verdict)) {
                return false;
            }
            elements.put(element, verdict);
            at = next + SEPARATOR.length();
        }
        return true;
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
