package org.jcalico.felix.hoststate;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.IpAddress;
import org.jcalico.util.PersistentSortedMap;

/**
 * The desired state of one host's kernel, as the pure calculation produces it and the dataplane drivers apply it.
 * Only objects named with {@link #OWNED_PREFIX} (chains, ipsets), routes with {@link #ROUTE_PROTOCOL}, and the
 * listed interfaces belong to jcalico.
 *
 * @param concerns for each chain or ipset that only some local endpoints depend on (their own chains, their profiles'
 *                 chains, the tag sets their rules match), the interfaces of those endpoints: when the kernel refuses
 *                 such an object, only they fail, and the drivers may replace the chain by one that drops everything;
 *                 the sets must be immutable (they are not copied: with a thousand endpoints, copying them on every
 *                 calculation would cost more than computing them); calc hands out {@link Concerns}, which works the map out
 *                 only when it is read
 * @param failedClosed local endpoints (by endpoint id) whose status calc reports failed, with the reason: those it
 *                     keeps dropped (a policy whose tier does not exist) and those naming a profile that does not
 *                     exist (which allows nothing: their established connections go on)
 * @param driver       the driver whose syntax the chains are rendered in (iptables or nftables), which applies them
 * @param polarities   how the filter rules match each set they match ({@link SetPolarity}), by set name: the iptables
 *                     driver orders a change's ipset writes around the rules' restore by it
 * @param departed     the addresses that left another node's endpoint since the calculation before this one (removed,
 *                     or given to another endpoint or node): not state but a change, whose tracked connections the
 *                     dataplane forgets once this state's rules are in, so that none accepted for the old holder
 *                     carries packets to the next (docs/dataplane.md, "Session 64 (t-reuse)")
 */
public record HostState(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> ipSets, Set<RouteSpec> routes,
                        Set<EndpointInterface> interfaces, Map<String, Set<String>> concerns,
                        Map<String, String> failedClosed, DataplaneDriver driver, Map<String, SetPolarity> polarities,
                        Set<IpAddress> departed) {
    public static final String OWNED_PREFIX = "jc-";
    /** jcalico's routing protocol number for its routes; unassigned in /etc/iproute2/rt_protos (BIRD uses 12). */
    public static final int ROUTE_PROTOCOL = 98;

    /**
     * The set of networks of VERSION whose members a driver holds fail-closed while it writes a change of mixed
     * sets' members (docs/dataplane.md, "A change and the states the kernel passes through"): calc declares it empty
     * and drops, ahead of every policy, each packet from or to a member that is not of an established connection.
     */
    public static String holdSet(int version) {
        return OWNED_PREFIX + version + "-hold";
    }

    /** Whether NAME is a family's {@link #holdSet}. */
    public static boolean isHoldSet(String name) {
        return name.equals(holdSet(4)) || name.equals(holdSet(6));
    }

    public HostState {
        ipSets = java.util.Collections.unmodifiableMap(new TreeMap<>(ipSets));
        // calc's sets are persistent maps' keys, immutable: a copy would cost every route for an endpoint's arrival
        routes = routes instanceof PersistentSortedMap.Keys<RouteSpec> kept ? kept : Set.copyOf(routes);
        interfaces = interfaces instanceof PersistentSortedMap.Keys<EndpointInterface> kept ? kept : Set.copyOf(interfaces);
        concerns = concerns instanceof Concerns made ? made : Map.copyOf(concerns);
        failedClosed = java.util.Collections.unmodifiableMap(new TreeMap<>(failedClosed));
        driver = driver == null ? DataplaneDriver.IPTABLES : driver;
        polarities = Map.copyOf(polarities);
        departed = Set.copyOf(departed);
    }

    /** No address left another node's endpoint since the calculation before. */
    public HostState(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> ipSets, Set<RouteSpec> routes,
                     Set<EndpointInterface> interfaces, Map<String, Set<String>> concerns,
                     Map<String, String> failedClosed, DataplaneDriver driver, Map<String, SetPolarity> polarities) {
        this(ipv4, ipv6, ipSets, routes, interfaces, concerns, failedClosed, driver, polarities, Set.of());
    }

    /** Matched by no rule's set criterion as far as the caller knows: every set's writes before the rules. */
    public HostState(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> ipSets, Set<RouteSpec> routes,
                     Set<EndpointInterface> interfaces, Map<String, Set<String>> concerns,
                     Map<String, String> failedClosed, DataplaneDriver driver) {
        this(ipv4, ipv6, ipSets, routes, interfaces, concerns, failedClosed, driver, Map.of());
    }

    /** Rendered for iptables. */
    public HostState(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> ipSets, Set<RouteSpec> routes,
                     Set<EndpointInterface> interfaces, Map<String, Set<String>> concerns,
                     Map<String, String> failedClosed) {
        this(ipv4, ipv6, ipSets, routes, interfaces, concerns, failedClosed, DataplaneDriver.IPTABLES);
    }

    public HostState(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> ipSets, Set<RouteSpec> routes,
                     Set<EndpointInterface> interfaces, Map<String, Set<String>> concerns) {
        this(ipv4, ipv6, ipSets, routes, interfaces, concerns, Map.of());
    }

    /**
     * The same desired state without the change it tells ({@link #departed}): what a calculation from nothing gives
     * for the same snapshot, which tests compare a kept calculator's result with.
     */
    public HostState withoutDeparted() {
        return new HostState(ipv4, ipv6, ipSets, routes, interfaces, concerns, failedClosed, driver, polarities);
    }

    public IptablesState iptables(int version) {
        return version == 4 ? ipv4 : ipv6;
    }
}
