package org.jcalico.felix.dataplane.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A whole replace of jcalico's tables over tables in force (a repair, a resync, a restart) against the real kernel
 * ("jcrw-" namespaces). The kernel hooks a new base chain before the ones of equal priority, at once, with no rules in
 * the old generation, and unhooks a deleted one only after the commit, when it has none in the new: a packet that met
 * the new table's filter-FORWARD before the commit and the old one's after it met no rule of jcalico's. The window is a
 * packet's way from one hook to the next; the test widens it with a table of its own whose base chain walks 80,000
 * rules that match nothing, hooked anew before each transaction so that it lies between the new table and the old,
 * and floods a forwarded flow from an interface no endpoint holds (the dispatch drops it) during repeated replaces.
 */
@Tag("kernel")
class TableReplaceWindowKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcrw-");
    private static final String HOST = PREFIX + "h";
    private static final String SENDER = PREFIX + "s";
    private static final String RECEIVER = PREFIX + "r";
    private static final int REPLACES = 150;
    private static CommandRunner host;
    private static CommandRunner sender;
    private static CommandRunner receiver;

    @BeforeAll
    static void createNamespaces() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(PREFIX);
        host = Namespaces.create(HOST);
        sender = Namespaces.create(SENDER);
        receiver = Namespaces.create(RECEIVER);
        link(sender, SENDER, "jcrw1", "10.65.0.2/24", "10.65.0.254/24");
        link(receiver, RECEIVER, "rw1", "10.66.0.1/24", "10.66.0.254/24");
        host.run("sysctl", "-qw", "net.ipv4.ip_forward=1").check();
        receiver.run("nft", "add table ip count; add chain ip count in { type filter hook input priority 0; };"
                + " add rule ip count in ip saddr 10.65.0.2 udp dport 9999 counter").check();
    }

    @AfterAll
    static void deleteNamespaces() {
        Namespaces.deleteAll(PREFIX);
    }

    /** A veth from the host (HOST_SIDE, its name IF) to OTHER (eth0, ADDRESS, the host's address its default route). */
    private static void link(CommandRunner other, String namespace, String name, String address, String hostSide) {
        host.run("ip", "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", namespace).check();
        host.run("ip", "addr", "add", hostSide, "dev", name).check();
        host.run("ip", "link", "set", name, "up").check();
        other.run("ip", "addr", "add", address, "dev", "eth0").check();
        other.run("ip", "link", "set", "eth0", "up").check();
        other.run("ip", "route", "add", "default", "via", hostSide.substring(0, hostSide.indexOf('/'))).check();
    }

    @Test
    void noPacketMeetsNeitherTableWhileTheTablesAreReplacedWhole() throws IOException, InterruptedException {
        HostState state = new HostStateCalculator().calculate(Snapshot.of("h1",
                FelixConfiguration.DEFAULTS.withDataplaneDriver(DataplaneDriver.NFTABLES), List.of(), Map.of())
                .withPolicy(List.of(), List.of(), List.of(), Map.of()));
        NftablesDriver driver = new NftablesDriver(host);
        assertEquals(Map.of(), driver.apply(state, Set.of()).failures());
        String between = between();
        driver.probeTransactions(script -> host.run(List.of("nft", "-f", "-"), between).check());
        Path source = Files.createTempFile("jcrw-flood", ".java");
        Files.writeString(source, """
                import java.net.*;
                class Flood {
                    public static void main(String[] args) throws Exception {
                        DatagramSocket socket = new DatagramSocket();
                        DatagramPacket packet = new DatagramPacket(new byte[1], 1, InetAddress.getByName("10.66.0.1"), 9999);
                        while (true) {
                            try { socket.send(packet); } catch (java.io.IOException e) { }
                        }
                    }
                }
                """);
        Process flood = new ProcessBuilder("ip", "netns", "exec", SENDER,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), source.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(1500);
            long before = received();
            assertEquals(0, before, "the flow is dropped while the tables stand");
            for (int i = 0; i < REPLACES; i++) {
                driver.forget();
                assertEquals(Map.of(), driver.apply(state, Set.of()).failures());
            }
            assertEquals(0, received() - before, "datagrams of a flow jcalico drops that reached the receiver during "
                    + REPLACES + " whole replaces");
        } finally {
            flood.destroyForcibly().waitFor();
            Files.deleteIfExists(source);
        }
    }

    /** A table whose base chain on the forward hook walks 400 jumps into 200 rules that match nothing, made anew. */
    private static String between() {
        StringBuilder script = new StringBuilder("add table ip jcrw-x\ndelete table ip jcrw-x\nadd table ip jcrw-x\n"
                + "add chain ip jcrw-x c { type filter hook forward priority 0; policy accept; }\nadd chain ip jcrw-x y\n");
        for (int i = 0; i < 200; i++) {
            script.append("add rule ip jcrw-x y ip daddr 10.99.").append(i / 250).append('.').append(i % 250).append('\n');
        }
        for (int i = 0; i < 400; i++) {
            script.append("add rule ip jcrw-x c jump y\n");
        }
        return script.toString();
    }

    private static long received() {
        String listing = receiver.run("nft", "list", "chain", "ip", "count", "in").check().stdout();
        String packets = listing.substring(listing.indexOf("packets ") + 8);
        return Long.parseLong(packets.substring(0, packets.indexOf(' ')));
    }
}
