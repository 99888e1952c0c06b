package org.jcalico.bench;

import java.util.List;
import java.util.function.IntFunction;
import org.jcalico.kernel.CommandRunner;

/**
 * The host-side interfaces of a benchmark's local endpoints: real veths, named as the agent names endpoints', after an
 * uplink that holds an address, as a host's does. The kernel picks an IPv4 route's source address when the route is
 * added: the veth has none, so it walks the links in the order they were made until one holds a global address. On a
 * host that is its uplink; in a namespace of veths alone it was every link for every route, so 1,000 routes cost the
 * agent and the floor 130-140 ms of kernel CPU that a host does not spend (19 ms with the uplink first).
 */
final class BenchInterfaces {
    /** The uplink's name: not the endpoints' prefix, so neither the agent nor the floor takes it for an endpoint's. */
    static final String UPLINK = "uplink0";
    /** What makes the uplink, first: its peer stays down (the address, not the link's state, ends the kernel's walk). */
    static final String UPLINK_BATCH = "link add name " + UPLINK + " type veth peer name " + UPLINK + "p\n"
            + "address add 198.51.100.1/24 dev " + UPLINK + "\nlink set " + UPLINK + " up\n";

    private BenchInterfaces() {
    }

    /** Creates the uplink, then the interfaces of endpoints 0..count-1, in one {@code ip -batch}. */
    static void create(CommandRunner host, int count) {
        batch(host, UPLINK_BATCH, 0, count, i -> "link add name " + name(i) + " type veth peer name p" + i);
    }

    /** Deletes the interfaces of endpoints FROM..FROM+COUNT-1 in one {@code ip -batch}. */
    static void delete(CommandRunner host, int from, int count) {
        batch(host, "", from, count, i -> "link del " + name(i));
    }

    private static void batch(CommandRunner host, String first, int from, int count, IntFunction<String> command) {
        StringBuilder batch = new StringBuilder(first);
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
