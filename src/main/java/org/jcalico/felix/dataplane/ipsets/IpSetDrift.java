package org.jcalico.felix.dataplane.ipsets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.kernel.IpSetNetlink;

/**
 * How the kernel's jc- sets, as their headers show them ({@link IpSetNetlink#headers}), differ from what the driver
 * last wrote: ipset tells no listener of another program's change (it has no multicast group), so the agent looks at
 * the headers every second. A header carries a set's member count and the seed of its hash, not its members, so its
 * cost is the number of sets, whatever they hold. Seen: a set made or destroyed, one of another type or family, a
 * count other than the members written (a member added or deleted, a flush, a swap with a set of another size), and a
 * seed other than the one seen at the last look for a set the driver made nothing of meanwhile (a swap with a set of
 * the same size, which carries its own seed). Not seen: a member replaced by another, which keeps both (the periodic
 * resync's read-back compares members). docs/dataplane.md, "Session 67 (t-ipset)".
 *
 * @param differences one line for each set that differs, in the kernel's order; empty when none does
 * @param seeds the seed of each set as this look saw it, for the next
 */
public record IpSetDrift(List<String> differences, Map<String, Integer> seeds) {
    public IpSetDrift {
        differences = List.copyOf(differences);
        seeds = Map.copyOf(seeds);
    }

    /**
     * The differences between WRITTEN (the driver's view of the kernel, exact between two passes) and HEADERS; SEEDS
     * as the last look saw them (empty: none to compare with), REMADE the names the driver created, destroyed or
     * swapped since (their seeds are new by its own doing).
     */
    public static IpSetDrift between(IpSetSnapshot written, List<IpSetNetlink.Header> headers, Map<String, Integer> seeds,
                                     Set<String> remade) {
        List<String> differences = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        Set<String> missing = new HashSet<>(written.sets().keySet());
        missing.addAll(written.misfits());
        for (IpSetNetlink.Header header : headers) {
            String name = header.name();
            if (!name.startsWith(HostState.OWNED_PREFIX)) {
                continue;
            }
            missing.remove(name);
            if (header.initval() != null) {
                seen.put(name, header.initval());
            }
            IpSetSpec set = written.sets().get(name);
            if (set == null) {
                if (!written.misfits().contains(name)) {
                    differences.add(name + " made by another program");
                }
                continue;
            }
            String difference = difference(set, header, seeds.get(name), remade.contains(name));
            if (difference != null) {
                differences.add(name + " " + difference);
            }
        }
        missing.stream().sorted().forEach(name -> differences.add(name + " destroyed"));
        return new IpSetDrift(differences, seen);
    }

    /** How HEADER differs from SET as written, SEED its seed at the last look (or null), or null when it does not. */
    private static String difference(IpSetSpec set, IpSetNetlink.Header header, Integer seed, boolean remade) {
        if (IpSetSpec.Type.ofKernelName(header.type()) != set.type() || header.version() != set.version()) {
            return "is " + header.type() + " of IPv" + header.version() + " where the agent made " + set.type().kernelName()
                    + " of IPv" + set.version();
        }
        if (header.elements() >= 0 && header.elements() != set.members().size()) {
            return "holds " + header.elements() + " members where the agent wrote " + set.members().size();
        }
        if (seed != null && header.initval() != null && !remade && !seed.equals(header.initval())) {
            return "is another set of as many members (its seed 0x" + Integer.toHexString(header.initval())
                    + ", 0x" + Integer.toHexString(seed) + " at the last look): swapped in";
        }
        return null;
    }
}
