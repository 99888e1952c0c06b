package org.jcalico.bench;

import java.util.List;
import java.util.function.IntFunction;
import org.jcalico.kernel.CommandRunner;

/** The host-side interfaces of a benchmark's local endpoints: real veths, named as the agent names endpoints'. */
final class BenchInterfaces {
    private BenchInterfaces() {
    }

    /** Creates the interfaces of endpoints 0..count-1 in one {@code ip -batch}. */
    static void create(CommandRunner host, int count) {
        batch(host, 0, count, i -> "link add name " + name(i) + " type veth peer name p" + i);
    }

    /** Deletes the interfaces of endpoints FROM..FROM+COUNT-1 in one {@code ip -batch}. */
    static void delete(CommandRunner host, int from, int count) {
        batch(host, from, count, i -> "link del " + name(i));
    }

    private static void batch(CommandRunner host, int from, int count, IntFunction<String> command) {
        StringBuilder batch = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            batch.append(command.apply(i)).append('\n');
        }
        host.run(List.of("ip", "-batch", "-"), batch.toString()).check();
    }

    /** Spread like the real names (prefix + hash of the endpoint id), so that dispatch leaves fill evenly. */
    static String name(int index) {
        return "jc" + java.util.HexFormat.of().toHexDigits(index * 0x9E3779B97F4A7C15L).substring(3);
    }
}
