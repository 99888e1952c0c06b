package org.jcalico.felix.dataplane.iptables;

import org.jcalico.felix.dataplane.Changes;

/**
 * One iptables-restore --noflush input that takes the kernel from a snapshot to the desired state (empty when
 * nothing differs), what it changes, and the snapshot it leaves behind.
 */
public record IptablesUpdate(String restoreInput, Changes changes, IptablesSnapshot after) {
    public boolean isEmpty() {
        return restoreInput.isEmpty();
    }
}
