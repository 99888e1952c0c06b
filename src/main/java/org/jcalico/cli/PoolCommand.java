package org.jcalico.cli;

import static java.util.Map.entry;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.PoolUsage;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `pool` and `pool list` are declared through picocli's API, as CommandModel says why; `add` and `remove` are annotated. */
final class PoolCommand {
    private static final Map<String, Function<String, Object>> SUBCOMMANDS = CommandModel.ordered(
            entry("add", next -> Add.class), entry("remove", next -> Remove.class), entry("list", next -> new ListPools().spec));

    private PoolCommand() {
    }

    /** `pool` with the subcommand {@code named}, or all of them when that word names none. */
    static CommandLine line(String named) {
        return CommandModel.withSubcommands(CommandModel.command(new PoolCommand(), "pool", "IP pools that endpoints take addresses from."),
                named, null, SUBCOMMANDS);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a pool (IPv4 or IPv6).")
    static final class Add implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "CIDR") String cidr;
        @Option(names = "--nat-outgoing", description = "masquerade traffic to destinations outside every pool") boolean natOutgoing;
        @Option(names = "--block-size", paramLabel = "N", description = "prefix length of per-node blocks (default 26 for IPv4, 122 for IPv6)") Integer blockSize;
        @Option(names = "--disabled", description = "keep existing addresses but hand out no new ones") boolean disabled;

        @Override
        public void run() {
            IpPool pool = new IpPool(CliValues.cidr("CIDR", cidr), natOutgoing, blockSize, disabled);
            try (Session session = new Session(spec)) {
                new Pools(session.store()).add(pool);
                session.out().println("added pool " + pool.cidr() + " (blocks /" + pool.blockSize()
                        + (pool.natOutgoing() ? ", NAT outgoing" : "") + (pool.disabled() ? ", disabled" : "") + ")");
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a pool with no allocated addresses.")
    static final class Remove implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "CIDR") String cidr;

        @Override
        public void run() {
            Cidr parsed = CliValues.cidr("CIDR", cidr);
            try (Session session = new Session(spec)) {
                new Pools(session.store()).remove(parsed);
                session.out().println("removed pool " + parsed);
            }
        }
    }

    static final class ListPools implements Runnable {
        private final OutputOption output = new OutputOption();
        final CommandSpec spec = CommandModel.command(this, "list", "List pools and how full they are.").addMixin("output", output.mixin());

        @Override
        public void run() {
            print(new Session(spec), output.format());
        }

        /** Prints the pools in FORMAT, then closes SESSION: the list as picocli runs it, and as PlainList does. */
        static void print(Session session, OutputOption.Format format) {
            try (session) {
                if (format != OutputOption.Format.table) {
                    Ipam.PoolsSurveyed pools = new Ipam(session.readStore()).survey();
                    OutputOption.printSurveyed(session.out(), format, pools.pools(), pools.unreadable());
                    return;
                }
                Ipam.Usage usage = new Ipam(session.readStore()).usage();
                Table table = new Table("CIDR", "NAT-OUTGOING", "BLOCK-SIZE", "DISABLED", "BLOCKS", "USED");
                for (PoolUsage pool : usage.pools()) {
                    table.row(pool.pool().cidr(), pool.pool().natOutgoing() ? "yes" : "no", "/" + pool.pool().blockSize(),
                            pool.pool().disabled() ? "yes" : "no", pool.blockRecords(), UnreadableRows.count(pool.used(), pool.unreadable() > 0));
                }
                table.print(session.out());
                UnreadableRows.print(session.out(), usage.unreadable());
            }
        }
    }
}
