package org.jcalico.felix;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.log.Log;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.WorkloadEndpoint;

/**
 * Decides which interface prefix the agent hooks. A prefix that matches a link of the host that is not a local
 * endpoint's (the uplink "eth0", "lo", "docker0") would put that link behind endpoint policy and lock the host out,
 * so such a prefix is refused, reported, and the last accepted one kept (none at first: then only the endpoints' own
 * interfaces are hooked, see HostStateCalculator). A refused prefix is checked again on every resync, on the pass in
 * which one of the links it named becomes an endpoint's (a container attached while the agent started has its veth
 * before its endpoint record, and must not keep the prefix refused until the next resync), and on the pass that
 * follows a look that found one of them gone ({@link #refusingLinkGone}: a veth a killed or undone add left, deleted;
 * docs/agent.md, "Session 69 (t-prompt)").
 */
final class InterfacePrefixGuard {
    private final Dataplane dataplane;
    private final Log log;
    private String checked;
    private String accepted;
    private String problem;
    /** The links that refused the checked prefix: none when it was accepted. */
    private List<String> foreign = List.of();
    /** One of those links was found gone: the next pass checks the prefix again. */
    private boolean linkGone;

    InterfacePrefixGuard(Dataplane dataplane, Log log) {
        this.dataplane = dataplane;
        this.log = log;
    }

    /** The snapshot with the configuration's prefix replaced by the accepted one (null: none) where they differ. */
    Snapshot apply(Snapshot snapshot, boolean full) {
        String wanted = snapshot.config().interfacePrefix();
        if (!wanted.equals(checked) || (problem != null && (full || linkGone || becameEndpoints(snapshot.localEndpoints())))) {
            check(wanted, snapshot.localEndpoints());
        }
        if (Objects.equals(accepted, wanted)) {
            return snapshot;
        }
        return snapshot.withConfig(snapshot.config().withInterfacePrefix(accepted));
    }

    /** Why the configured prefix is not in use, or null. */
    String problem() {
        return problem;
    }

    /**
     * While the prefix is refused, whether a link that refused it is gone (one dump of the host's links); if so the next
     * pass checks the prefix again. Nothing is asked of the kernel while the prefix is taken.
     */
    boolean refusingLinkGone() {
        if (problem == null || linkGone) {
            return linkGone;
        }
        Set<String> links = dataplane.links();
        linkGone = foreign.stream().anyMatch(link -> !links.contains(link));
        return linkGone;
    }

    private boolean becameEndpoints(List<WorkloadEndpoint> local) {
        return local.stream().anyMatch(endpoint -> foreign.contains(endpoint.interfaceName()));
    }

    private void check(String wanted, List<WorkloadEndpoint> local) {
        Set<String> endpoints = new java.util.HashSet<>();
        local.forEach(endpoint -> endpoints.add(endpoint.interfaceName()));
        foreign = dataplane.links().stream()
                .filter(link -> link.startsWith(wanted) && !endpoints.contains(link)).sorted().toList();
        checked = wanted;
        linkGone = false;
        if (foreign.isEmpty()) {
            if (!wanted.equals(accepted)) {
                log.info("interface prefix '" + wanted + "' in use" + (accepted == null ? "" : " (was '" + accepted + "')"));
            }
            accepted = wanted;
            problem = null;
            return;
        }
        String now = "interfacePrefix '" + wanted + "' refused: it matches interfaces that are not endpoints ("
                + String.join(", ", foreign) + "), which it would cut off; "
                + (accepted == null ? "only endpoints' own interfaces are hooked" : "keeping '" + accepted + "'");
        if (!now.equals(problem)) {
            log.error(now);
        }
        problem = now;
    }
}
