package org.jcalico.cli;

import java.util.List;
import org.jcalico.bench.FelixBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print figures (run as root; they use namespaces of their own).",
        subcommands = {BenchCommand.Felix.class, BenchCommand.Attach.class})
final class BenchCommand {

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = "On a lab of two hosts: how soon after 'container add' starts the container answers pings from both hosts.")
    static final class Attach implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--count", paramLabel = "N", defaultValue = "50", description = "containers to add (default: ${DEFAULT-VALUE})") int count;

        @Override
        public void run() {
            new org.jcalico.bench.AttachBenchmark(spec.commandLine().getOut()).run(count);
        }
    }

    @Command(name = "felix", mixinStandardHelpOptions = true,
            description = "Program N endpoints on one host, then one more, against the bare kernel restore of the same rules.")
    static final class Felix implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--endpoints", split = ",", paramLabel = "N,N", defaultValue = "100,1000",
                description = "sizes to measure (default: ${DEFAULT-VALUE})") List<Integer> sizes;

        @Override
        public void run() {
            new FelixBenchmark(spec.commandLine().getOut()).run(sizes);
        }
    }
}
