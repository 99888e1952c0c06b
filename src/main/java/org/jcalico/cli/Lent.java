package org.jcalico.cli;

import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.workload.VethAttacher;

/**
 * What the agent lends each command it serves (AgentDelegation), from what it keeps for them (agent/ServedResources),
 * open already and kept for the next: its connection to the datastore (null when it is not open: the command then
 * reports {@code failure}, why it could not be opened, when that is what its own open would say, else opens its own)
 * and the host's veths, whose netlink thread a command would otherwise start for itself. The command neither closes
 * nor keeps them.
 */
record Lent(Datastore datastore, DatastoreException failure, VethAttacher veths) {
    /** Nothing lent: the command opens and makes its own. */
    static final Lent NOTHING = new Lent(null, null, null);
}
