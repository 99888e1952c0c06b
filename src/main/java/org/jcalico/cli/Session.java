package org.jcalico.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Names;
import org.jcalico.workload.VethAttacher;
import picocli.CommandLine.Model.CommandSpec;

/** What a command works with: the datastore it was pointed at, this host's node name, and where to print. */
final class Session implements AutoCloseable {
    private final String datastoreOption;
    private final Map<String, String> etcdSettings;
    private final String nodeOption;
    private final PrintWriter out;
    private Datastore datastore;
    /** Whether {@link #datastore} was lent to the command, open already: it is then not this session's to close. */
    private final boolean lentStore;
    /** Why the datastore lent could not be opened, when that is what this command's own open would say; or null. */
    private final org.jcalico.datastore.DatastoreException lentFailure;
    /** The host's veths lent to the command, or null: it makes its own. */
    private final VethAttacher lentVeths;

    /** With jcalico's options as the command line that SPEC belongs to gave them, printing to its output. */
    Session(CommandSpec spec) {
        this(root(spec).datastore(), root(spec).etcdSettings(), root(spec).node(), spec.commandLine().getOut(),
                root(spec).lent() == null ? Lent.NOTHING : root(spec).lent());
    }

    /**
     * With --datastore, the etcd flags by their name in an etcd URL's query and --node as given (null: not given),
     * printing to OUT: for a command run without picocli's model (PlainList).
     */
    Session(String datastoreOption, Map<String, String> etcdSettings, String nodeOption, PrintWriter out) {
        this(datastoreOption, etcdSettings, nodeOption, out, Lent.NOTHING);
    }

    /**
     * LENT: the datastore the options name, open already and not closed by this session (null: opened when needed),
     * and the host's veths (null: made when needed).
     */
    private Session(String datastoreOption, Map<String, String> etcdSettings, String nodeOption, PrintWriter out,
                    Lent lent) {
        this.datastoreOption = datastoreOption;
        this.etcdSettings = etcdSettings;
        this.nodeOption = nodeOption;
        this.out = out;
        this.datastore = lent.datastore();
        this.lentStore = lent.datastore() != null;
        this.lentFailure = lent.failure();
        this.lentVeths = lent.veths();
    }

    private static JcalicoCommand root(CommandSpec spec) {
        return (JcalicoCommand) spec.root().userObject();
    }

    /** The datastore named by --datastore, $JCALICO_DATASTORE or the default, with the etcd flags folded in. */
    DatastoreUrl datastoreUrl() {
        return DatastoreUrl.resolve(datastoreOption, System.getenv(DatastoreUrl.ENVIRONMENT))
                .withEtcdSettings(etcdSettings);
    }

    /** The store, for a command that may write; an embedded store that does not exist yet is created. */
    ResourceStore store() {
        return open(OpenMode.WRITE);
    }

    /** The store, for a command that only reads: it must exist already, and opening it writes nothing. */
    ResourceStore readStore() {
        return open(OpenMode.READ);
    }

    private ResourceStore open(OpenMode mode) {
        if (datastore == null && lentFailure != null) {
            throw lentFailure;
        }
        if (datastore == null) {
            datastore = datastoreUrl().open(mode);
        }
        return new ResourceStore(datastore);
    }

    /** --datastore exactly as given on the command line, or null. */
    String explicitDatastore() {
        return datastoreOption;
    }

    /** --node exactly as given on the command line, or null: for commands where its absence means "every node". */
    String explicitNode() {
        return nodeOption == null ? null : Names.check("node", nodeOption);
    }

    /**
     * --node, else $JCALICO_NODENAME, else the kernel's hostname. A flag given is checked as given: a blank one is an
     * error, never the hostname (a script's empty variable would otherwise act on this host's node); a blank
     * variable counts as unset, as for $JCALICO_DATASTORE.
     */
    String nodeName() {
        if (nodeOption != null) {
            return Names.check("node", nodeOption);
        }
        String environment = System.getenv("JCALICO_NODENAME");
        if (environment != null && !environment.isBlank()) {
            return Names.check("JCALICO_NODENAME", environment);
        }
        try {
            return Names.check("hostname", Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        } catch (IOException e) {
            throw new CommandFailure("cannot tell this host's node name: use --node NAME or JCALICO_NODENAME");
        }
    }

    /** A command's own --name for the node it acts on if given (checked as given), else {@link #nodeName()}. */
    String nodeName(String nameOption) {
        return nameOption != null ? Names.check("name", nameOption) : nodeName();
    }

    /** The veths of this host (the process's own network namespace), lent or made for this command. */
    VethAttacher veths() {
        return lentVeths != null ? lentVeths : new VethAttacher(CommandRunner.local());
    }

    PrintWriter out() {
        return out;
    }

    @Override
    public void close() {
        if (datastore != null && !lentStore) {
            datastore.close();
        }
    }
}
