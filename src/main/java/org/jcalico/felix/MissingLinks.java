package org.jcalico.felix;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jcalico.felix.dataplane.interfaces.InterfaceDriver;

/**
 * The interfaces that the last pass's endpoints failed for want of ({@link InterfaceDriver#NO_SUCH_INTERFACE}: an
 * endpoint record written before its veth, a veth deleted and made again), and whether one has appeared since. While
 * there are any the agent looks for them once a second, so that an endpoint is programmed when its veth comes, not at
 * the failure's back-off (up to a minute; docs/agent.md, "Session 70 (t-sweep)"). Not thread-safe: the loop's alone.
 */
final class MissingLinks {
    private Set<String> missing = Set.of();

    /** The failures of a pass, by object (an interface's name where it failed). */
    void passed(Map<String, String> failures) {
        missing = failures.entrySet().stream().filter(failure -> failure.getValue().contains(InterfaceDriver.NO_SUCH_INTERFACE))
                .map(Map.Entry::getKey).collect(Collectors.toUnmodifiableSet());
    }

    /** Whether the last pass missed any interface. */
    boolean any() {
        return !missing.isEmpty();
    }

    /** Whether LINKS (the host's, by name) hold one that the last pass missed. */
    boolean arrivedAmong(Set<String> links) {
        return missing.stream().anyMatch(links::contains);
    }
}
