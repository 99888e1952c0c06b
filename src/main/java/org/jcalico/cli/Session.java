package org.jcalico.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Names;
import picocli.CommandLine.Model.CommandSpec;

/** What a command works with: the datastore it was pointed at, this host's node name, and where to print. */
final class Session implements AutoCloseable {
    private final CommandSpec spec;
    private Datastore datastore;

    Session(CommandSpec spec) {
        this.spec = spec;
    }

    private JcalicoCommand root() {
        return (JcalicoCommand) spec.root().userObject();
    }

    /** The datastore named by --datastore, $JCALICO_DATASTORE or the default, with the etcd flags folded in. */
    DatastoreUrl datastoreUrl() {
        return DatastoreUrl.resolve(root().datastore(), System.getenv(DatastoreUrl.ENVIRONMENT))
                .withEtcdSettings(root().etcdSettings());
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
        if (datastore == null) {
            datastore = datastoreUrl().open(mode);
        }
        return new ResourceStore(datastore);
    }

    /** --datastore exactly as given on the command line, or null. */
    String explicitDatastore() {
        return root().datastore();
    }

    /** --node exactly as given on the command line, or null: for commands where its absence means "every node". */
    String explicitNode() {
        return root().node() == null ? null : Names.check("node", root().node());
    }

    /** --node, else $JCALICO_NODENAME, else the kernel's hostname. */
    String nodeName() {
        String name = root().node() != null ? root().node() : System.getenv("JCALICO_NODENAME");
        if (name == null || name.isBlank()) {
            try {
                name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (IOException e) {
                throw new CommandFailure("cannot tell this host's node name: use --node NAME or JCALICO_NODENAME");
            }
        }
        return Names.check("node", name);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public void close() {
        if (datastore != null) {
            datastore.close();
        }
    }
}
