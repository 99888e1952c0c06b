package org.jcalico.agent;

import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.workload.VethAttacher;

/**
 * What the agent keeps for everything it serves on its local endpoint in the client's stead (the launcher's commands,
 * cli/AgentDelegation; the CNI plugin's calls, cni/CniAgentResource): one connection to the datastore, opened at the
 * first use and kept, and one netlink thread for the host's side of their veths. Opening either per command cost a
 * served `container add` milliseconds: the store 3.0 ms at the median and 9.1 at p90, a thread 0.4 and 4
 * (docs/agent.md, "A served `container add`", session 34). The connection reads what the datastore holds when the
 * command runs, as one of the command's own would: no cache is between them.
 *
 * <p>Each command holds a {@link Use} from its start to its end. {@link #close} (the agent stopping) closes the
 * connection at once when no command holds it, else when the last one ends, never under a command that is still
 * running; a command that starts after it opens its own.
 */
public final class ServedResources implements AutoCloseable {
    private final DatastoreUrl datastoreUrl;
    private final CommandRunner host;
    /** The host's veths (their thread ends after 30 s idle and starts again at the next request). */
    private final VethAttacher veths;
    private Datastore store;
    private int uses;
    private boolean closed;

    /** @param host the host's namespace, where the served commands' veths have their host side: the process's own */
    public ServedResources(DatastoreUrl datastoreUrl, CommandRunner host) {
        this.datastoreUrl = datastoreUrl;
        this.host = host;
        this.veths = new VethAttacher(host);
    }

    /** One command's use, from its start to its end ({@link Use#close}). */
    public final class Use implements AutoCloseable {
        private final Datastore store;

        private Use(Datastore store) {
            this.store = store;
        }

        /**
         * The kept connection, open, for the command to use and not close; null when it cannot be opened now (or the
         * agent is stopping): the command then opens its own and reports what is wrong, as the client's own run would.
         */
        public Datastore store() {
            return store;
        }

        public VethAttacher veths() {
            return veths;
        }

        /** The host's namespace. */
        public CommandRunner host() {
            return host;
        }

        @Override
        public void close() {
            ended();
        }
    }

    public synchronized Use use() {
        if (store == null && !closed) {
            try {
                store = datastoreUrl.open(OpenMode.WRITE);
            } catch (DatastoreException e) {
                // the command opens its own, and says why that fails
            }
        }
        uses++;
        return new Use(closed ? null : store);
    }

    private synchronized void ended() {
        uses--;
        closeIfUnused();
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeIfUnused();
    }

    private void closeIfUnused() {
        if (closed && uses == 0 && store != null) {
            store.close();
            store = null;
        }
    }
}
