package org.jcalico.bench;

import java.util.List;
import org.jcalico.kernel.CommandRunner;

/** The host-side interfaces of a benchmark's local endpoints: real veths, named as the agent names endpoints'. */
final class BenchInterfaces {
    private BenchInterfaces() {
    }

    /** Creates the interfaces of endpoints 0..count-1 in one {@code ip -batch}. */
    static void create(CommandRunner host, int count) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < count; i++) {
            batch.append("link add name ").append(name(i)).append(" type veth peer name p").append(i).append('\n');
        }
        host.run(List.of("ip", "-batch", "-"), batch.toString()).check();
    }

    /** Spread like the real names (prefix + hash of the endpoint id), so that dispatch leaves fill evenly. */
    static String name(int index) {
        return "jc" + java.util.HexFormat.of().toHexDigits(index * 0x9E3779B97F4A7C15L).substring(3);
    }
}
