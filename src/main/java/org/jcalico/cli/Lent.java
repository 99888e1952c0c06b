package org.jcalico.cli;

import org.jcalico.datastore.Datastore;
import org.jcalico.workload.VethAttacher;

/**
 * What the agent lends each command it serves (AgentDelegation), open already and kept for the next: its connection
 * to the datastore (null when it could not be opened: the command then opens its own, and says what is wrong) and
 * the host's veths, whose netlink thread a command would otherwise start for itself. The command neither closes nor
 * keeps them. Each opened for every served `container add` cost it milliseconds: the store 2.8 ms at the median and
 * 8.9 at p90, a thread 0.4 and 4 (docs/agent.md, "A served `container add`", session 34).
 */
record Lent(Datastore datastore, VethAttacher veths) {
}
