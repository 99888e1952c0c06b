package org.jcalico.cli;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.PoolUsage;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "ipam", mixinStandardHelpOptions = true, description = "Address management: pools, blocks and allocations.",
        subcommands = {IpamCommand.Show.class, IpamCommand.Release.class})
final class IpamCommand {

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Pools, their blocks, which node owns each, used and free.")
    static final class Show implements Runnable {
        @Spec CommandSpec spec;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                var out = session.out();
                Ipam.Usage usage = new Ipam(session.readStore()).usage();
                // a block affine to a name no node has: no agent routes it, and only `node remove NAME` gives it up
                Set<String> nodes = new HashSet<>();
                ResourceStore.Surveyed<Node> nodeRecords = session.readStore().survey(Node.class);
                nodeRecords.resources().forEach(node -> nodes.add(node.name()));
                nodeRecords.unreadable().forEach(node -> nodes.add(node.name()));
                if (usage.pools().isEmpty()) {
                    out.println("no pools (add one with: jcalico pool add CIDR)");
                }
                Map<String, Integer> unregistered = new TreeMap<>();
                for (PoolUsage pool : usage.pools()) {
                    boolean leftOut = pool.unreadable() > 0;
                    out.println("pool " + pool.pool().cidr() + (pool.pool().disabled() ? " (disabled)" : "") + ": "
                            + UnreadableRows.count(pool.used(), leftOut) + " used, " + (leftOut ? "at most " : "") + pool.free()
                            + " free, " + pool.blockRecords() + " block(s) of /" + pool.pool().blockSize()
                            + (leftOut ? " (" + pool.unreadable() + " unreadable)" : ""));
                    Table table = new Table("  BLOCK", "NODE", "USED", "FREE");
                    for (IpamBlock block : pool.blocks()) {
                        boolean orphaned = block.affinity() != null && !nodes.contains(block.affinity());
                        if (orphaned) {
                            unregistered.merge(block.affinity(), 1, Integer::sum);
                        }
                        table.row("  " + block.cidr(), orphaned ? block.affinity() + " (not registered)" : block.affinity(),
                                block.allocations().size(), block.free());
                    }
                    if (!pool.blocks().isEmpty()) {
                        table.print(out);
                    }
                }
                unregistered.forEach((name, blocks) -> out.println(blocks + " block(s) affine to '" + name + "', which is not a"
                        + " registered node: no agent routes them; 'jcalico node remove " + name + "' gives them up"));
                UnreadableRows.print(out, java.util.stream.Stream.concat(usage.unreadable().stream(), nodeRecords.unreadable().stream()).toList());
            }
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true, description = "Free an allocated address.")
    static final class Release implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "IP") String ip;

        @Override
        public void run() {
            IpAddress address = CliValues.address("IP", ip);
            try (Session session = new Session(spec)) {
                String holder = new Ipam(session.store()).release(address);
                session.out().println("released " + address + " (held by " + holder + ")");
            }
        }
    }
}
