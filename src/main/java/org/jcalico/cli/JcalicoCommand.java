package org.jcalico.cli;

import static java.util.Map.entry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/** jcalico itself: its options, which every command inherits, and its commands (declared as CommandModel says why). */
public final class JcalicoCommand implements Runnable {
    /**
     * Every top-level command by its name, in the order of the help, each built given the word after it (the
     * subcommand it names, or null); Main registers only the one being run, since building each costs start-up time.
     * An annotated command's name here is its annotation's (CommandModelTest).
     */
    static final Map<String, Function<String, Object>> COMMANDS = CommandModel.ordered(
            entry("pool", PoolCommand::line), entry("profile", next -> ProfileCommand.class),
            entry("apply", next -> ApplyCommand.class), entry("get", next -> GetCommand.class),
            entry("delete", next -> DeleteCommand.class), entry("ipam", next -> IpamCommand.class),
            entry("node", next -> NodeCommand.class), entry("container", ContainerCommand::line),
            entry("namespace", next -> NamespaceCommand.class), entry("bgp", next -> BgpCommand.class),
            entry("lab", next -> LabCommand.class), entry("demo", next -> DemoCommand.class),
            entry("bench", next -> BenchCommand.class), entry("datastore", next -> DatastoreCommand.class),
            entry("version", next -> VersionCommand.class), entry("internal", next -> InternalCommand.class),
            entry("policy", next -> PolicyCommand.class), entry("flows", next -> FlowsCommand.class),
            entry("cni", next -> CniCommand.class), entry("ui", next -> UiCommand.class),
            entry(CommandModel.HELP, next -> HelpCommand.class));

    final CommandSpec spec = CommandModel.command(this, "jcalico", "Pure layer-3 container networking with network security policy.")
            .versionProvider(new VersionCommand.Provider());
    private final OptionSpec datastore = option("--datastore", "URL",
            "embedded:PATH or etcd://HOST:PORT[,HOST:PORT...] (default: $JCALICO_DATASTORE, else embedded:/var/lib/jcalico/datastore.db)");
    private final OptionSpec node = option("--node", "NAME", "this host's node name (default: $JCALICO_NODENAME, else the hostname)");
    private final OptionSpec etcdCa = option("--etcd-ca", "FILE",
            "PEM CA bundle that signed etcd's certificate (etcds:// only; default: $JCALICO_ETCD_CA, else the JDK's CAs)");
    private final OptionSpec etcdCert = option("--etcd-cert", "FILE", "PEM client certificate for etcd (etcds:// only; default: $JCALICO_ETCD_CERT)");
    private final OptionSpec etcdKey = option("--etcd-key", "FILE", "PKCS#8 PEM key of the client certificate (default: $JCALICO_ETCD_KEY)");
    private final OptionSpec etcdUser = option("--etcd-user", "USER",
            "etcd user (default: $JCALICO_ETCD_USER); its password from $JCALICO_ETCD_PASSWORD or --etcd-password-file");
    private final OptionSpec etcdPasswordFile = option("--etcd-password-file", "FILE",
            "file whose first line is the etcd user's password (default: $JCALICO_ETCD_PASSWORD_FILE)");

    /** What the agent lends a command it serves, or null. */
    private Lent lent;

    /** An option of jcalico's that every command inherits, taking a string. */
    private OptionSpec option(String name, String paramLabel, String description) {
        OptionSpec option = OptionSpec.builder(name).scopeType(ScopeType.INHERIT).paramLabel(paramLabel).type(String.class)
                .description(description).build();
        spec.addOption(option);
        return option;
    }

    /** Runs the command with what LENT holds (the agent's, for a command it serves) rather than with its own. */
    void lend(Lent lent) {
        this.lent = lent;
    }

    /** What was lent to this command, or null. */
    Lent lent() {
        return lent;
    }

    /** --datastore as given, or null. */
    String datastore() {
        return datastore.getValue();
    }

    /** --node as given, or null. */
    String node() {
        return node.getValue();
    }

    /** The etcd settings given as flags, by their name in an etcd datastore URL's query. */
    Map<String, String> etcdSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("ca", etcdCa.getValue());
        settings.put("cert", etcdCert.getValue());
        settings.put("key", etcdKey.getValue());
        settings.put("user", etcdUser.getValue());
        settings.put("password-file", etcdPasswordFile.getValue());
        settings.values().removeIf(Objects::isNull);
        return settings;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is needed");
    }
}
