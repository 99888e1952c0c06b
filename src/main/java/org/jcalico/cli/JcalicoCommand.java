package org.jcalico.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "jcalico", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Pure layer-3 container networking with network security policy.")
public final class JcalicoCommand implements Runnable {
    /** Every top-level command; Main registers only the one being run, since building each costs start-up time. */
    static final List<Class<?>> COMMANDS = List.of(
            PoolCommand.class, ProfileCommand.class, ApplyCommand.class, GetCommand.class, DeleteCommand.class,
            IpamCommand.class, NodeCommand.class, ContainerCommand.class, BgpCommand.class, LabCommand.class, DemoCommand.class, BenchCommand.class, DatastoreCommand.class, VersionCommand.class,
            InternalCommand.class);

    @Option(names = "--datastore", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "embedded:PATH or etcd://HOST:PORT[,HOST:PORT...] (default: $JCALICO_DATASTORE, else embedded:/var/lib/jcalico/datastore.db)")
    String datastore;

    @Option(names = "--node", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "this host's node name (default: $JCALICO_NODENAME, else the hostname)")
    String node;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "a command is needed");
    }
}
