package org.jcalico.bench;

import java.io.PrintWriter;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.DataplaneDriver;

/**
 * `bench felix`'s worker at a few endpoints, with the driver its argument names, alone in a JVM, in the network namespace it was started
 * in (AgentCacheTest starts it in one of its own, with the agent's cache): what a cold programming loads. Prints the
 * worker's printout.
 */
public final class ColdProgrammingMain {
    private static final int SIZE = 10;

    private ColdProgrammingMain() {
    }

    /** ARGS: the driver. */
    public static void main(String[] args) {
        BenchInterfaces.create(CommandRunner.local(), FelixBenchmark.node(SIZE).interfaces());
        // on standard output beside the JVM's log of classes, line by line, so that the two are in order
        FelixBenchmark.programAndAdd(SIZE, DataplaneDriver.parse(args[0]), new PrintWriter(System.out, true));
    }
}
