package org.jcalico.felix.dataplane.ipsets;

import org.jcalico.felix.dataplane.Changes;

/**
 * One "ipset restore" input (empty when nothing differs), what it changes, the snapshot it leaves behind once LATER is
 * written too, and LATER: what is written only once the rules of the change are in (the loosening writes, the release
 * of what the input held: {@link IpSetPlanner#fill}).
 */
public record IpSetUpdate(IpSetInput input, Changes changes, IpSetSnapshot after, IpSetInput later) {
    public boolean isEmpty() {
        return input.isEmpty();
    }
}
