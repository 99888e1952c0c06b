package org.jcalico.agent;

import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.DatastoreUrl;
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
 *
 * <p>While the connection is not open (the agent started during an outage of etcd), the first command to come opens
 * it, outside this object's lock: commands that come meanwhile do not wait for that open, they open their own, as
 * they would without an agent. When the open fails, the command that made it reports that failure as its own
 * (an etcd store opens the same way for reading and for writing, so its own open would fail alike, and it does not
 * wait out a second timeout); an embedded store's kept connection is opened for writing (but never creates a store:
 * a served list must not, as its own run would not), a list's for reading, which may fail otherwise, so there the
 * command opens its own, which costs milliseconds, and says in its own words what is wrong (a missing store: "there
 * is no datastore" for a list; an add creates it, as its own run would). The next command tries again, so the served path takes its connection up by itself once the store
 * answers. Until session 36 the open ran inside the lock and a failed one was followed by the command's own: with
 * etcd's only member hung, one served `pool list` failed after 11.0 s against 5.0 s for its own run, three at once
 * after 10.0 / 15.1 / 20.1 s (docs/agent.md, "Delegated commands").
 */
public final class ServedResources implements AutoCloseable {
    private final DatastoreUrl datastoreUrl;
    private final CommandRunner host;
    /** The host's veths (their thread ends after 30 s idle and starts again at the next request). */
    private final VethAttacher veths;
    private Datastore store;
    /** A command is opening {@link #store}: the others do not wait for it. */
    private boolean opening;
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
        private final DatastoreException failure;

        private Use(Datastore store, DatastoreException failure) {
            this.store = store;
            this.failure = failure;
        }

        /**
         * The kept connection, open, for the command to use and not close; null when it is not open (or the agent is
         * stopping): the command then reports {@link #failure} if there is one, else opens its own.
         */
        public Datastore store() {
            return store;
        }

        /**
         * Why the kept connection could not be opened for this command, when the command's own open would fail the
         * same way (see the class's comment): it is the command's error; else null.
         */
        public DatastoreException failure() {
            return failure;
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

    public Use use() {
        synchronized (this) {
            uses++;
            if (closed || store != null || opening) {
                return new Use(closed ? null : store, null);
            }
            opening = true;
        }
        Datastore opened = null;
        DatastoreException failure = null;
        try {
            // for writing, but never creating: a served list must not make a store where there is none
            opened = datastoreUrl.openExisting();
        } catch (DatastoreException e) {
            failure = datastoreUrl.isEmbedded() ? null : e;
        } finally {
            synchronized (this) {
                opening = false;
                if (!closed && opened != null) {
                    store = opened;
                    opened = null;
                }
            }
        }
        if (opened != null) {
            // the agent stopped meanwhile: the command opens its own, as after the close
            opened.close();
        }
        synchronized (this) {
            return new Use(closed ? null : store, failure);
        }
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
