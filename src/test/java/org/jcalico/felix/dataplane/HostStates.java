package org.jcalico.felix.dataplane;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;

/** A small builder of desired host states for the dataplane tests. */
final class HostStates {
    private final Map<Integer, Map<String, Map<String, Chain>>> chains = new TreeMap<>();
    private final Map<Integer, List<Hook>> hooks = new TreeMap<>();
    private final Map<String, IpSetSpec> sets = new LinkedHashMap<>();
    private final List<RouteSpec> routes = new ArrayList<>();
    private final List<EndpointInterface> interfaces = new ArrayList<>();
    private final Map<String, Set<String>> concerns = new TreeMap<>();

    HostStates chain(int version, String table, String name, String... rules) {
        chains.computeIfAbsent(version, v -> new TreeMap<>()).computeIfAbsent(table, t -> new TreeMap<>())
                .put(name, new Chain(name, List.of(rules)));
        return this;
    }

    HostStates hook(int version, String table, String builtin, String rule) {
        hooks.computeIfAbsent(version, v -> new ArrayList<>()).add(new Hook(table, builtin, rule));
        return this;
    }

    HostStates set(String name, int version, String... members) {
        sets.put(name, new IpSetSpec(name, version, Set.of(members)));
        return this;
    }

    HostStates set(String name, int version, Set<String> members) {
        sets.put(name, new IpSetSpec(name, version, members));
        return this;
    }

    HostStates route(String destination, String interfaceName) {
        routes.add(RouteSpec.toInterface(Cidr.parse(destination), interfaceName));
        return this;
    }

    HostStates route(String destination, RouteSpec.Type type) {
        routes.add(new RouteSpec(Cidr.parse(destination), type, null));
        return this;
    }

    HostStates endpoint(String name, boolean ipv4, boolean ipv6) {
        interfaces.add(new EndpointInterface(name, ipv4, ipv6));
        return this;
    }

    /** The chain or set concerns only these endpoints' interfaces (see {@link HostState#concerns}). */
    HostStates concerns(String object, String... interfaceNames) {
        concerns.put(object, Set.of(interfaceNames));
        return this;
    }

    HostState build() {
        return new HostState(iptables(4), iptables(6), sets, Set.copyOf(routes), Set.copyOf(interfaces), concerns);
    }

    private IptablesState iptables(int version) {
        return new IptablesState(version, chains.getOrDefault(version, Map.of()), hooks.getOrDefault(version, List.of()));
    }
}
