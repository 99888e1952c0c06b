package org.jcalico.cli;

import java.util.List;
import org.jcalico.bgp.BgpSettings;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.BgpPeer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bgp", mixinStandardHelpOptions = true, description = "How nodes exchange routes: the node mesh, the AS number, external peers.",
        subcommands = {BgpCommand.NodeMesh.class, BgpCommand.DefaultAs.class, BgpCommand.ImportLimit.class,
                BgpCommand.PeerCommand.class})
final class BgpCommand {

    @Command(name = "node-mesh", mixinStandardHelpOptions = true, description = "Turn the full iBGP mesh between all nodes on or off.")
    static final class NodeMesh implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "on|off") String state;

        @Override
        public void run() {
            if (!state.equals("on") && !state.equals("off")) {
                throw org.jcalico.model.ValidationException.field("node-mesh", state, "is not on or off");
            }
            try (Session session = new Session(spec)) {
                BgpConfiguration config = new BgpSettings(session.store()).setMesh(state.equals("on"));
                session.out().println("node-to-node mesh " + (config.nodeToNodeMesh() ? "on" : "off"));
            }
        }
    }

    @Command(name = "default-as", mixinStandardHelpOptions = true, description = "Show or set the AS number of nodes that have none of their own.")
    static final class DefaultAs implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "N", arity = "0..1") Long asNumber;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                BgpSettings settings = new BgpSettings(asNumber == null ? session.readStore() : session.store());
                BgpConfiguration config = asNumber == null ? settings.current() : settings.setDefaultAs(asNumber);
                session.out().println("default AS " + config.defaultAs());
            }
        }
    }

    @Command(name = "import-limit", mixinStandardHelpOptions = true,
            description = "Show or set the most routes a BGP session may bring in before it is shut (peers may set their own).")
    static final class ImportLimit implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "N", arity = "0..1") Long limit;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                BgpSettings settings = new BgpSettings(limit == null ? session.readStore() : session.store());
                BgpConfiguration config = limit == null ? settings.current() : settings.setImportLimit(limit);
                session.out().println("import limit " + config.sessionImportLimit() + " routes per session");
            }
        }
    }

    @Command(name = "peer", mixinStandardHelpOptions = true, description = "BGP peers outside the mesh: route reflectors, top-of-rack routers.",
            subcommands = {PeerAdd.class, PeerRemove.class, PeerList.class})
    static final class PeerCommand {
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Peer every node with a BGP speaker, or only the node named with the global --node NAME.")
    static final class PeerAdd implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "IP") String ip;
        @Option(names = "--as", required = true, paramLabel = "N") long asNumber;
        @Option(names = "--import-limit", paramLabel = "N",
                description = "the most routes its sessions may bring in (default: bgp import-limit)") Long importLimit;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                String node = session.explicitNode();
                BgpPeer peer = new BgpPeer(CliValues.address("IP", ip), asNumber, node, null, importLimit);
                new BgpSettings(session.store()).addPeer(peer);
                session.out().println("added BGP peer " + peer.peerIp() + " (AS " + peer.asNumber() + ") for "
                        + (node == null ? "every node" : "node " + node));
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a peer (a per-node one with --node NAME).")
    static final class PeerRemove implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "IP") String ip;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                String node = session.explicitNode();
                new BgpSettings(session.store()).removePeer(CliValues.address("IP", ip), node);
                session.out().println("removed BGP peer " + ip + (node == null ? "" : " of node " + node));
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List peers.")
    static final class PeerList implements Runnable {
        @Spec CommandSpec spec;
        final OutputOption output = new OutputOption();
        @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                List<BgpPeer> peers = new BgpSettings(session.readStore()).peers();
                if (output.isTable()) {
                    ResourceTables.of(BgpPeer.class, peers).print(session.out());
                } else {
                    output.printResources(session.out(), peers, true);
                }
            }
        }
    }
}
