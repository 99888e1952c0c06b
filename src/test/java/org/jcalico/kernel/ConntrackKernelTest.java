package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * Tracked connections deleted by address over ctnetlink ({@link Conntrack}) in "jct-conntrack-" namespaces: exactly those
 * whose original source or destination is a given address go and the others stay (an IPv4 filter leaves IPv6 alone), as with
 * {@code conntrack -D -s A} and {@code -d A}; another namespace's table is not touched.
 */
@Tag("kernel")
class ConntrackKernelTest {
    private static final String PREFIX = TestNamespaces.named("jct-conntrack-");

    @BeforeAll
    static void clean() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    @Test
    void deletesTheAddressesConnectionsBothWaysAndNoOthers() throws Exception {
        CommandRunner host = Namespaces.create(PREFIX + "a");
        CommandRunner other = Namespaces.create(PREFIX + "b");
        for (CommandRunner runner : List.of(host, other)) {
            track(runner, "udp", "10.0.0.1", "10.0.0.2");
            track(runner, "udp", "10.0.0.3", "10.0.0.1");
            track(runner, "tcp", "10.0.0.3", "10.0.0.4");
            track(runner, "tcp", "10.0.0.11", "10.0.0.2");
            track(runner, "tcp", "fd00::1", "fd00::2");
            track(runner, "udp", "fd00::3", "fd00::1");
            track(runner, "udp", "fd00::3", "fd00::4");
        }
        Set<String> everything = tracked(other);
        assertEquals(7, everything.size(), String.join("\n", everything));

        host.conntrack().forget(List.of(v4("10.0.0.1")));

        assertEquals(Set.of("tcp 10.0.0.3 10.0.0.4", "tcp 10.0.0.11 10.0.0.2", "tcp fd00::1 fd00::2", "udp fd00::3 fd00::1",
                "udp fd00::3 fd00::4"), tracked(host), "the IPv4 filter leaves IPv6 alone");
        assertEquals(everything, tracked(other), "another namespace's connections stay");
        host.conntrack().forget(List.of(v4("10.0.0.1"), v4("10.0.0.3")));
        assertEquals(Set.of("tcp 10.0.0.11 10.0.0.2", "tcp fd00::1 fd00::2", "udp fd00::3 fd00::1", "udp fd00::3 fd00::4"),
                tracked(host), "an address with nothing left to delete is no error");
    }

    /**
     * The same for IPv6, to see whether this kernel's filter holds to the address (Linux's ctnetlink_filter_match_tuple
     * compared IPv6 addresses the wrong way round, so that a filter of one address took every other one's).
     */
    @Test
    void deletesAnIpv6AddressConnectionsBothWaysAndNoOthers() throws Exception {
        CommandRunner host = Namespaces.create(PREFIX + "c");
        track(host, "tcp", "fd00::1", "fd00::2");
        track(host, "udp", "fd00::3", "fd00::1");
        track(host, "udp", "fd00::3", "fd00::4");
        track(host, "tcp", "10.0.0.1", "10.0.0.2");
        // a connection of another conntrack zone (another program's) is deleted in its zone
        host.run("conntrack", "-I", "-p", "udp", "-s", "fd00::5", "-d", "fd00::1", "--sport", "1000", "--dport", "2000",
                "--timeout", "300", "--zone", "7").check();

        host.conntrack().forget(List.of(InetAddress.getByName("fd00::1")));

        assertEquals(Set.of("udp fd00::3 fd00::4", "tcp 10.0.0.1 10.0.0.2"), tracked(host),
                "fd00::1's connections go, both ways, and no others");
    }

    /**
     * A batch of more IPv4 addresses than are worth two filtered walks each (a cluster's churn of remote endpoints)
     * is found by one dump, with its IPv6 ones: exactly their connections go, both ways, and no others.
     */
    @Test
    void deletesABatchOfManyAddressesConnectionsByOneDumpAndNoOthers() throws Exception {
        CommandRunner host = Namespaces.create(PREFIX + "d");
        List<InetAddress> gone = new java.util.ArrayList<>();
        for (int i = 1; i <= Conntrack.FILTERED_MAX + 1; i++) {
            track(host, "tcp", "10.1.0." + i, "10.2.0.1");
            track(host, "udp", "10.2.0.1", "10.1.0." + i);
            gone.add(v4("10.1.0." + i));
        }
        track(host, "tcp", "10.1.0.100", "10.2.0.1");
        track(host, "tcp", "fd00::1", "fd00::2");
        track(host, "udp", "fd00::3", "fd00::4");
        gone.add(InetAddress.getByName("fd00::1"));

        host.conntrack().forget(gone);

        assertEquals(Set.of("tcp 10.1.0.100 10.2.0.1", "udp fd00::3 fd00::4"), tracked(host),
                "the batch's connections go, both ways, and no others");
    }

    /**
     * Addresses that have no connection, a forgetting's usual case (a lent address's add forgets twice, an endpoint's
     * removal once), cost no walk of the kernel's hash: the dump an IPv6 address took, and the two filtered walks an IPv4
     * one took, lock each of its buckets (every namespace's: 262,144 here), so that the forgetting cost more than a
     * whole dump of the table. Measured against that dump, alternating, in the same namespace; the connections stay.
     */
    @Test
    void forgettingAddressesWithoutConnectionsCostsLessThanADumpOfTheTable() throws Exception {
        CommandRunner host = Namespaces.create(PREFIX + "e");
        long buckets = Long.parseLong(host.run("cat", "/proc/sys/net/netfilter/nf_conntrack_buckets").check().stdout().trim());
        org.junit.jupiter.api.Assumptions.assumeTrue(buckets >= 65_536,
                "a hash of " + buckets + " buckets is walked in about the time a forgetting's other work takes");
        track(host, "tcp", "10.0.0.1", "10.0.0.2");
        track(host, "udp", "fd00::1", "fd00::2");
        Conntrack conntrack = host.conntrack();
        List<InetAddress> absent = List.of(v4("10.0.0.9"), InetAddress.getByName("fd00::9"));
        long[] forgetting = new long[21];
        long[] dump = new long[forgetting.length];
        for (int i = -3; i < forgetting.length; i++) {
            long start = System.nanoTime();
            conntrack.forget(absent);
            long between = System.nanoTime();
            conntrack.addresses(address -> address.length);
            long end = System.nanoTime();
            if (i >= 0) {
                forgetting[i] = between - start;
                dump[i] = end - between;
            }
        }
        java.util.Arrays.sort(forgetting);
        java.util.Arrays.sort(dump);
        long median = forgetting[forgetting.length / 2];
        long dumped = dump[dump.length / 2];
        assertTrue(median * 2 < dumped, String.format("forgetting 10.0.0.9 and fd00::9, which have no connection, median"
                + " %.2f ms, against a dump of the table's %.2f ms", median / 1e6, dumped / 1e6));
        assertEquals(Set.of("tcp 10.0.0.1 10.0.0.2", "udp fd00::1 fd00::2"), tracked(host), "the others stay");
    }

    /**
     * A namespace that tracks more connections than a forgetting reads as text first ({@link Conntrack#LISTED_MAX}) has
     * its addresses' connections found as before, by the kernel's filter and a dump: exactly theirs go.
     */
    @Test
    void aTableTooLargeToListHasItsAddressesConnectionsForgottenAndNoOthers() throws Exception {
        CommandRunner host = Namespaces.create(PREFIX + "f");
        track(host, "tcp", "10.0.0.1", "10.0.0.2");
        track(host, "udp", "fd00::3", "fd00::1");
        track(host, "udp", "fd00::3", "fd00::4");
        // connection tracking in force in the namespace (a rule that needs it), then a datagram to each of many ports
        host.run("nft", "add table ip jct; add chain ip jct out { type filter hook output priority 0; }; add rule ip jct out ct state new counter").check();
        host.run("bash", "-c", "for port in $(seq 1 " + (Conntrack.LISTED_MAX + 1) + "); do echo > /dev/udp/127.0.0.1/$port; done").check();
        long count = Long.parseLong(host.run("cat", "/proc/sys/net/netfilter/nf_conntrack_count").check().stdout().trim());
        assertTrue(count > Conntrack.LISTED_MAX, count + " connections tracked");
        Set<String> before = tracked(host);

        host.conntrack().forget(List.of(v4("10.0.0.1"), InetAddress.getByName("fd00::1")));

        Set<String> left = new TreeSet<>(before);
        left.removeAll(Set.of("tcp 10.0.0.1 10.0.0.2", "udp fd00::3 fd00::1"));
        assertEquals(left, tracked(host), "10.0.0.1's and fd00::1's connections go, and no others");
    }

    private static Inet4Address v4(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }

    private static void track(CommandRunner runner, String protocol, String source, String destination) {
        List<String> command = new java.util.ArrayList<>(List.of("conntrack", "-I", "-p", protocol, "-s", source, "-d", destination,
                "--sport", "1000", "--dport", "2000", "--timeout", "300"));
        if (protocol.equals("tcp")) {
            command.addAll(List.of("--state", "ESTABLISHED"));
        }
        runner.run(command).check();
    }

    /** The namespace's tracked connections, as "PROTOCOL SOURCE DESTINATION" of their original direction. */
    private static Set<String> tracked(CommandRunner runner) {
        Set<String> connections = new TreeSet<>();
        for (String family : List.of("ipv4", "ipv6")) {
            for (String line : runner.run("conntrack", "-L", "-f", family).check().stdout().split("\n")) {
                java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("^(\\S+) .*?src=(\\S+) dst=(\\S+)").matcher(line);
                if (matcher.find()) {
                    connections.add(matcher.group(1) + " " + matcher.group(2) + " " + matcher.group(3));
                }
            }
        }
        return connections;
    }
}
