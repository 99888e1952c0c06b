package org.jcalico.felix.calc;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.model.Cidr;

/**
 * The tag and selector sets without the addresses that two records claim ({@link UnreadableRecord.Reach#CLAIMED}):
 * whose labels a packet from such an address carries is unknown, so it matches no set that labels fill, and an Allow
 * by one matches less (the rules that would then match less than written fail closed in calc). Nothing to do, and no
 * set touched, while no address is claimed twice: the usual case costs one look at the unreadable records.
 */
final class ClaimedMembers {
    private final Set<String> nets = new HashSet<>();
    /** The claimed nets' addresses, as a named port's member "ADDRESS,PROTO:PORT" starts. */
    private final Set<String> addresses = new HashSet<>();

    private ClaimedMembers(List<UnreadableRecord> unreadable) {
        for (UnreadableRecord record : unreadable) {
            for (Cidr net : record.nets()) {
                nets.addAll(IpSetMembers.net(net));
                addresses.add(net.network().toString());
            }
        }
    }

    /** SETS (tag and selector sets by name) with the members of every claimed net of UNREADABLE left out, in place. */
    static void strip(Map<String, IpSetSpec> sets, List<UnreadableRecord> unreadable) {
        ClaimedMembers claimed = new ClaimedMembers(unreadable);
        if (!claimed.nets.isEmpty()) {
            sets.replaceAll((name, spec) -> claimed.without(spec));
        }
    }

    private IpSetSpec without(IpSetSpec spec) {
        if (spec.members().stream().noneMatch(this::claimed)) {
            return spec;
        }
        Set<String> kept = new HashSet<>(spec.members());
        kept.removeIf(this::claimed);
        return new IpSetSpec(spec.name(), spec.type(), spec.version(), kept);
    }

    private boolean claimed(String member) {
        int comma = member.indexOf(',');
        return comma < 0 ? nets.contains(member) : addresses.contains(member.substring(0, comma));
    }
}
