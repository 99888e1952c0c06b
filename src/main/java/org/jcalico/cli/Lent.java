package org.jcalico.cli;

import org.jcalico.datastore.Datastore;
import org.jcalico.workload.VethAttacher;

/**
 * What the agent lends each command it serves (AgentDelegation), from what it keeps for them (agent/ServedResources),
 * open already and kept for the next: its connection to the datastore (null when it could not be opened: the command
 * then opens its own, and says what is wrong) and the host's veths, whose netlink thread a command would otherwise
 * start for itself. The command neither closes nor keeps them.
 */
record Lent(Datastore datastore, VethAttacher veths) {
}
