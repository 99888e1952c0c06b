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
            IpamCommand.class, NodeCommand.class, ContainerCommand.class, NamespaceCommand.class, BgpCommand.class, LabCommand.class, DemoCommand.class, BenchCommand.class, DatastoreCommand.class, VersionCommand.class,
            InternalCommand.class, PolicyCommand.class, FlowsCommand.class, CniCommand.class, UiCommand.class);

    @Option(names = "--datastore", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "embedded:PATH or etcd://HOST:PORT[,HOST:PORT...] (default: $JCALICO_DATASTORE, else embedded:/var/lib/jcalico/datastore.db)")
    String datastore;

    @Option(names = "--node", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "this host's node name (default: $JCALICO_NODENAME, else the hostname)")
    String node;

    @Option(names = "--etcd-ca", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PEM CA bundle that signed etcd's certificate (etcds:// only; default: $JCALICO_ETCD_CA, else the JDK's CAs)")
    String etcdCa;

    @Option(names = "--etcd-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PEM client certificate for etcd (etcds:// only; default: $JCALICO_ETCD_CERT)")
    String etcdCert;

    @Option(names = "--etcd-key", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "PKCS#8 PEM key of the client certificate (default: $JCALICO_ETCD_KEY)")
    String etcdKey;

    @Option(names = "--etcd-user", scope = ScopeType.INHERIT, paramLabel = "USER",
            description = "etcd user (default: $JCALICO_ETCD_USER); its password from $JCALICO_ETCD_PASSWORD or --etcd-password-file")
    String etcdUser;

    @Option(names = "--etcd-password-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "file whose first line is the etcd user's password (default: $JCALICO_ETCD_PASSWORD_FILE)")
    String etcdPasswordFile;

    /** The etcd settings given as flags, by their name in an etcd datastore URL's query. */
    java.util.Map<String, String> etcdSettings() {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("ca", etcdCa);
        settings.put("cert", etcdCert);
        settings.put("key", etcdKey);
        settings.put("user", etcdUser);
        settings.put("password-file", etcdPasswordFile);
        settings.values().removeIf(java.util.Objects::isNull);
        return settings;
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "a command is needed");
    }
}
