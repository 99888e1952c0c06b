package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Isolation;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.VerdictMap;
import org.jcalico.model.Cidr;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** Which endpoints' established packets take the short way through jc-FORWARD, read from calc's real states. */
class EstablishedPathTest {
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));

    /** The forward hook's rules, in order: the short way's two lookups, each behind its state test, then calc's jump. */
    private static final List<String> FORWARD_HOOK = List.of(
            "ct state related,established oifname != \"jc*\" iifname . ip saddr vmap @jc-established-from",
            "ct state related,established iifname != \"jc*\" ip saddr != @jc-4-local oifname vmap @jc-established-to",
            "jump " + DataplaneNames.FORWARD);

    @Test
    void everyActiveEndpointIsOnTheShortWayInBothDirections() {
        IptablesState calc = state("jcw", null).ipv4();
        IptablesState state = EstablishedPath.derived(calc);
        assertEquals(FORWARD_HOOK, forwardHook(state), "only established and related packets meet a lookup, in the forward"
                + " hook itself (no jump before it), just above its jump into jc-FORWARD");
        assertEquals(calc.tables(), state.tables(), "jc-FORWARD and every chain are calc's, the long way unchanged; no chain"
                + " of the short way's own");
        assertEquals(Map.of("\"jcw1\" . 10.65.0.1", "accept", "\"jcw2\" . 10.65.0.2", "accept", "\"jcw3\" . 10.65.0.3", "accept"),
                Map.copyOf(state.maps().get(0).elements()), "each endpoint's own interface and address: the anti-spoofing key");
        assertEquals(Map.of("\"jcw1\"", "accept", "\"jcw2\"", "accept", "\"jcw3\"", "accept"),
                Map.copyOf(state.maps().get(1).elements()));
    }

    @Test
    void anIsolatedEndpointIsOnNeither() {
        IptablesState state = EstablishedPath.derived(state("jcw", "awaiting-labels").ipv4());
        assertEquals(List.of(Set.of("\"jcw1\" . 10.65.0.1", "\"jcw3\" . 10.65.0.3"), Set.of("\"jcw1\"", "\"jcw3\"")),
                state.maps().stream().map(map -> Set.copyOf(map.elements().keySet())).toList(),
                "w2's chains are a drop: its packets take the long way, which drops them");
    }

    @Test
    void aChainTheDriverHoldsDropOnlyTakesItsElementsOffTheShortWay() {
        IptablesState derived = EstablishedPath.derived(state("jcw", null).ipv4());
        String ingress = target(derived, DataplaneNames.TO_DISPATCH, "\"jcw2\"");
        IptablesState held = EstablishedPath.derived(Isolation.dropOnly(derived, Set.of(ingress), NftablesDriver.DROP_ONLY));
        assertEquals(List.of(3, 0), held.maps().stream().map(map -> map.elements().size()).toList(),
                "the three endpoints share " + ingress + ", held drop-only: none is on the short way in");
        assertEquals(FORWARD_HOOK, forwardHook(held), "derived again, not twice");
    }

    @Test
    void withNoEndpointOnItTheHookAndItsMapsStayEmpty() {
        IptablesState state = EstablishedPath.derived(state("jcw", "awaiting-labels", 0).ipv4());
        assertEquals(FORWARD_HOOK, forwardHook(state), "the hooks do not change with the first endpoint: that would replace"
                + " the whole table");
        assertEquals(List.of(0, 0), state.maps().stream().map(map -> map.elements().size()).toList());
    }

    @Test
    void anEndpointOutsideThePrefixLeavesTheLongWayAlone() {
        IptablesState state = state("tap", null).ipv4();
        assertSame(state, EstablishedPath.derived(state), "jc-FORWARD catches the unprefixed interfaces by name");
    }

    /**
     * The driver's derivation, kept from one state to the next by what changed, gives what a derivation from scratch
     * gives, through endpoints coming, going, isolated and back, from one calculator (whose renderer shares the maps'
     * structure from one state to the next, as the agent's does).
     */
    @Test
    void keptFromStateToStateItIsWhatADerivationFromScratchIs() {
        HostStateCalculator calculator = new HostStateCalculator();
        EstablishedPath kept = new EstablishedPath();
        List<List<WorkloadEndpoint>> steps = List.of(endpoints(3, null), endpoints(4, null), endpoints(4, "awaiting-labels"),
                endpoints(4, null), endpoints(2, "awaiting-labels"), endpoints(0, null), endpoints(3, null));
        for (List<WorkloadEndpoint> step : steps) {
            IptablesState state = calculator.calculate(Snapshot.of("h1",
                    FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES), step, Map.of("open", OPEN))).ipv4();
            IptablesState scratch = EstablishedPath.derived(state);
            IptablesState derived = kept.of(state);
            assertEquals(List.of(scratch.tables(), scratch.hooks(), scratch.maps()),
                    List.of(derived.tables(), derived.hooks(), derived.maps()), step.size() + " endpoints");
        }
    }

    private static List<WorkloadEndpoint> endpoints(int count, String w2State) {
        return endpoints("jcw", count, w2State);
    }

    /** COUNT endpoints 10.65.0.N on interface IFACE + N, profile "open", w2 in state W2_STATE (null: active). */
    private static List<WorkloadEndpoint> endpoints(String iface, int count, String w2State) {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int number = 1; number <= count; number++) {
            endpoints.add(new WorkloadEndpoint("h1", null, "c" + number, "w" + number, iface + number, null,
                    List.of(Cidr.parse("10.65.0." + number + "/32")), List.of(), List.of("open"),
                    number == 2 ? w2State : null, null, Map.of(), null));
        }
        return endpoints;
    }

    /** The forward hook's rules in the filter table, in order. */
    private static List<String> forwardHook(IptablesState state) {
        return state.hooks().stream().filter(hook -> hook.table().equals("filter") && hook.builtinChain().equals("FORWARD"))
                .map(Hook::rule).toList();
    }

    /** The chain the dispatch ROOT's map sends KEY to. */
    private static String target(IptablesState state, String root, String key) {
        VerdictMap map = state.chains("filter").get(root).maps().get(0);
        return map.elements().get(key).substring("goto ".length());
    }

    /** Three endpoints 10.65.0.N on interface IFACE + N, profile "open", w2 in state W2_STATE (null: active). */
    private static HostState state(String iface, String w2State) {
        return state(iface, w2State, 3);
    }

    /** COUNT endpoints, as {@link #state(String, String)}. */
    private static HostState state(String iface, String w2State, int count) {
        List<WorkloadEndpoint> endpoints = endpoints(iface, count, w2State);
        return new HostStateCalculator().calculate(Snapshot.of("h1",
                FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES), endpoints, Map.of("open", OPEN)));
    }
}
