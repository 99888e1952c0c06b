package org.jcalico.felix.dataplane.ipsets;

import org.jcalico.felix.dataplane.Changes;

/**
 * One "ipset restore" input (empty when nothing differs), what it changes, the snapshot it leaves behind, and the input
 * that releases the addresses it holds ({@link Hold}), to be written once the rules of the change are in.
 */
public record IpSetUpdate(IpSetInput input, Changes changes, IpSetSnapshot after, IpSetInput release) {
    public boolean isEmpty() {
        return input.isEmpty();
    }
}
