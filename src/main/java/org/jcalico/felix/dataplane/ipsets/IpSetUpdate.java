package org.jcalico.felix.dataplane.ipsets;

import org.jcalico.felix.dataplane.Changes;

/** One "ipset restore" input (empty when nothing differs), what it changes, and the snapshot it leaves behind. */
public record IpSetUpdate(IpSetInput input, Changes changes, IpSetSnapshot after) {
    public boolean isEmpty() {
        return input.isEmpty();
    }
}
