package org.jcalico.felix.hoststate;

import java.util.stream.Collectors;
import org.jcalico.util.PersistentSortedMap;

/**
 * A named nftables verdict map a chain's rule looks packets up in ({@code KEY vmap @NAME}): the nftables renderer's
 * dispatch by interface (docs/dataplane.md, "The nftables dataplane"). Its elements (key to verdict, e.g.
 * {@code "jc1" . 10.0.0.1} to {@code goto jc-fw-jc1}) are a persistent map, so that the renderer changes them by the
 * endpoint that came or went and the driver finds the elements to add and delete by
 * {@link PersistentSortedMap#diff}: an endpoint added costs its own element whatever the number of endpoints (until
 * session 38 the map was one rule's text naming every element, made again and parsed back on every add).
 *
 * @param name     the map's name in its table
 * @param key      the rule's key expression ({@code iifname . ip saddr})
 * @param type     the map's nft key type ({@code ifname . ipv4_addr})
 * @param elements key to verdict ({@code goto CHAIN}); a dispatch map is never empty (the renderer writes no rule for
 *                 one), but the short way's maps, which the forward hook looks up whether or not an element
 *                 qualifies, may be: a lookup in an empty map misses
 */
public record VerdictMap(String name, String key, String type, PersistentSortedMap<String, String> elements) {

    /** The rule that looks packets up in the map, as written to the kernel. */
    public String rule() {
        return key + " vmap @" + name;
    }

    /** The rule with the map written into it, as one reads it ({@code apply --dry-run}). */
    public String inline() {
        return key + " vmap { " + elements.entrySet().stream().map(element -> element.getKey() + " : " + element.getValue())
                .collect(Collectors.joining(", ")) + " }";
    }
}
