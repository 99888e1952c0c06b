package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.Policy;
import org.jcalico.model.Profile;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.Rule;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A workload as attacker, on both families (docs/dataplane.md, "Session 59 (t-hunt)"): w2 admits UDP to port 5000
 * only, from anyone; w1 tries to reach its port 6000 in fragments (the kernel's own, of a datagram larger than the
 * link) and behind an IPv6 destination-options header, and tries to take traffic away from w2 or the host with router
 * advertisements, a redirect, neighbour advertisements and gratuitous ARP claiming w2's addresses. None of it may
 * reach port 6000 or move w2's traffic; the same traffic to port 5000 still passes (so the test is not vacuous).
 */
@Tag("kernel")
class WorkloadAttackKernelTest {
    private static final String PREFIX = TestNamespaces.named("jcwat-");
    private static final Profile OPEN = new Profile("open", List.of(), Map.of(), List.of(Rule.allow()), List.of(Rule.allow()));
    private static final String HOST_LINK_LOCAL = WorkloadHost.HOST_LINK_LOCAL;
    /** Sends neighbour discovery and ARP from its namespace's eth0: ra | redirect TARGET DEST TO | na CLAIMED TO | arp CLAIMED. */
    private static final String ND = """
            import socket, struct, sys
            # argv: kind (ra|redirect|na|arp), then kind's arguments; sent from this namespace's eth0
            kind = sys.argv[1]
            def icmp6(payload, dest):
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
                s.sendto(payload, (dest, 0, 0, socket.if_nametoindex("eth0")))
            mac = bytes.fromhex(open("/sys/class/net/eth0/address").read().strip().replace(":", ""))
            if kind == "ra":
                prefix = struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 86400, 14400, 0, socket.inet_pton(socket.AF_INET6, "fd99::"))
                icmp6(struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + prefix + struct.pack("!BB6s", 1, 1, mac), "ff02::1")
            elif kind == "redirect":
                target, destination, to = sys.argv[2], sys.argv[3], sys.argv[4]
                icmp6(struct.pack("!BBHI16s16s", 137, 0, 0, 0, socket.inet_pton(socket.AF_INET6, target),
                                  socket.inet_pton(socket.AF_INET6, destination)) + struct.pack("!BB6s", 2, 1, mac), to)
            elif kind == "na":
                claimed, to = sys.argv[2], sys.argv[3]
                icmp6(struct.pack("!BBHI16s", 136, 0, 0, 0x20000000, socket.inet_pton(socket.AF_INET6, claimed))
                      + struct.pack("!BB6s", 2, 1, mac), to)
            elif kind == "arp":
                claimed = socket.inet_aton(sys.argv[2])
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                s.bind(("eth0", 0))
                for op, target in ((2, b"\\xff" * 6), (1, b"\\x00" * 6)):
                    s.send(b"\\xff" * 6 + mac + b"\\x08\\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, mac, claimed,
                                                                          target, claimed))
            """;
    /** Python: the Internet checksum of bytes DATA (UDP and TCP over either family). */
    private static final String CHECKSUM = """
            def checksum(data):
                data += b"\\0" * (len(data) % 2)
                total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
                while total >> 16:
                    total = (total & 0xFFFF) + (total >> 16)
                return ~total & 0xFFFF or 0xFFFF
            """;
    /** Sends hand-made fragments of one UDP datagram (raw socket, either family): SOURCE DEST TEXT DPORT@OFFSET... */
    private static final String FRAGMENTS = """
            import random, socket, struct, sys
            # argv: source, destination (either family), TEXT (8 characters), then one DPORT@OFFSET per fragment, in the order
            # sent, the last with more-fragments clear. A fragment at offset 0 is a UDP header (port 4000 to DPORT) and TEXT, any
            # other TEXT twice, 16 bytes each at OFFSET (in 8-byte units): fragments at offset 0 overlap, and a later one may
            # rewrite the port. The UDP checksum (IPv6 needs one) is that of the datagram the first fragment at each offset makes.
            source, destination, text = sys.argv[1], sys.argv[2], sys.argv[3].encode()
            fragments = [(int(port), int(offset)) for port, offset in (argument.split("@") for argument in sys.argv[4:])]
            length = 8 * max(offset for _, offset in fragments) + 16
            six = ":" in destination
            family = socket.AF_INET6 if six else socket.AF_INET
            addresses = socket.inet_pton(family, source) + socket.inet_pton(family, destination)
            """ + CHECKSUM + """
            first_port = fragments[0][0]
            datagram = struct.pack("!HHHH", 4000, first_port, length, 0) + text + text * 2 * (length // 16 - 1)
            pseudo = addresses + (struct.pack("!IxxxB", length, 17) if six else struct.pack("!xBH", 17, length))
            udp_sum = checksum(pseudo + datagram)
            s = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
            ident = random.randrange(1, 65535)
            for index, (port, offset) in enumerate(fragments):
                payload = struct.pack("!HHHH", 4000, port, length, udp_sum) + text if offset == 0 else text * 2
                more = 1 if index < len(fragments) - 1 else 0
                if six:
                    packet = (struct.pack("!IHBB", 0x60000000, 8 + len(payload), 44, 64) + addresses
                              + struct.pack("!BBHI", 17, 0, (offset << 3) | more, ident) + payload)
                else:
                    packet = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(payload), ident, (more << 13) | offset, 64, 17, 0) \\
                             + addresses + payload
                s.sendto(packet, (destination, 0))
            """;
    /**
     * Sends one datagram or TCP SYN from argv[1] to argv[2]:argv[4] (protocol argv[3], udp or tcp) in hand-made fragments
     * laid out as argv[5] says, UDP carrying argv[6], and for TCP says "reply" if any segment comes back from that port
     * within 1.5 s (a SYN-ACK or a reset: the SYN reached the receiver), else "silent". Layouts: "split", the transport
     * header cut after its first 8 bytes (a TCP header across two fragments); "dstopts" (IPv6), an 8-byte
     * destination-options header alone in the first fragment, the whole transport header in the second; "overlap", a
     * first fragment of 8 bytes naming port 5000, then one at the same offset and longer naming the real port, then the
     * rest (both first 8 bytes sum alike, so either datagram the kernel could make has a right checksum).
     */
    private static final String TINY = """
            import random, socket, struct, sys, time
            source, destination, proto, port, layout, text = sys.argv[1:7]
            port = int(port)
            six = ":" in destination
            family = socket.AF_INET6 if six else socket.AF_INET
            addresses = socket.inet_pton(family, source) + socket.inet_pton(family, destination)
            number = 17 if proto == "udp" else 6
            sport = random.randrange(20000, 60000)
            """ + CHECKSUM + """
            def segment(dport, seq):
                if proto == "udp":
                    body = struct.pack("!HHHH", sport, dport, 24, 0) + text.encode()[:16].ljust(16, b".")
                else:
                    # a 32-byte header: the fixed 20, an MSS option, and NOPs
                    body = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 8 << 4, 0x02, 64240, 0, 0) \\
                           + bytes([2, 4, 5, 180]) + bytes([1] * 8)
                pseudo = addresses + (struct.pack("!IxxxB", len(body), number) if six else struct.pack("!xBH", number, len(body)))
                at = 6 if proto == "udp" else 16
                return body[:at] + struct.pack("!H", checksum(pseudo + body)) + body[at + 2:]
            # the decoy's sequence number makes up for its port, so that its first 8 bytes sum as the real one's
            seq = 0x10000000 + 2000
            real = segment(port, seq)
            first = number
            if layout == "plain":
                pieces = [(None, real)]
            elif layout == "whole":
                pieces = [(0, real[:16 if proto == "udp" else 24]), (16 if proto == "udp" else 24, real[16 if proto == "udp" else 24:])]
            elif layout == "split":
                pieces = [(0, real[:8]), (8, real[8:])]
            elif layout == "dstopts":
                first = 60
                data = bytes([number, 0, 1, 4, 0, 0, 0, 0]) + real
                pieces = [(0, data[:8]), (8, data[8:])]
            else:
                decoy = segment(5000, seq + port - 5000)
                pieces = [(0, decoy[:8]), (0, real[:16]), (16, real[16:])]
            listener = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_TCP)
            s = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
            ident = random.randrange(1, 65535)
            for index, (offset, payload) in enumerate(pieces):
                more = 1 if index < len(pieces) - 1 else 0
                if offset is None and six:
                    packet = struct.pack("!IHBB", 0x60000000, len(payload), number, 64) + addresses + payload
                elif offset is None:
                    packet = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(payload), ident, 0, 64, number, 0) + addresses + payload
                elif six:
                    packet = (struct.pack("!IHBB", 0x60000000, 8 + len(payload), 44, 64) + addresses
                              + struct.pack("!BBHI", first, 0, offset | more, ident) + payload)
                else:
                    packet = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(payload), ident, (more << 13) | (offset // 8), 64,
                                         number, 0) + addresses + payload
                s.sendto(packet, (destination, 0))
            if proto == "tcp":
                listener.settimeout(0.2)
                deadline = time.time() + 1.5
                while time.time() < deadline:
                    try:
                        data = listener.recv(2048)
                    except socket.timeout:
                        continue
                    header = data if six else data[(data[0] & 0xF) * 4:]
                    if struct.unpack("!HH", header[:4]) == (port, sport):
                        print("reply")
                        sys.exit(0)
                print("silent")
            """;
    private WorkloadHost lab;
    private Path scripts;
    private Path received;
    /** What w2's servers of port 6000, which policy closes, got (nothing, ever). */
    private Path denied;
    private final List<Process> servers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        KernelTests.assumeKernel();
        lab = new WorkloadHost(PREFIX);
        scripts = Files.createTempDirectory("jcwat-");
        Files.writeString(scripts.resolve("nd.py"), ND);
        Files.writeString(scripts.resolve("fragments.py"), FRAGMENTS);
        Files.writeString(scripts.resolve("tiny.py"), TINY);
        for (String port : List.of("5000", "6000")) {
            Files.writeString(scripts.resolve("server" + port + ".py"), EstablishedFlowKernelTest.SERVER
                    .replace("5000", port).replace("recvfrom(2048)", "recvfrom(65535)"));
            Files.writeString(scripts.resolve("server6-" + port + ".py"), EstablishedFlowKernelTest.SERVER6
                    .replace("5000", port).replace("recvfrom(2048)", "recvfrom(65535)"));
        }
        Files.writeString(scripts.resolve("peer.py"), EstablishedFlowKernelTest.PEER);
        Files.writeString(scripts.resolve("peer6.py"), EstablishedFlowKernelTest.PEER6);
        // the same with an IPv6 destination-options header (8 bytes: PadN) ahead of UDP in every datagram
        Files.writeString(scripts.resolve("peer6-options.py"), EstablishedFlowKernelTest.PEER6
                .replace("s.bind(", "s.setsockopt(socket.IPPROTO_IPV6, getattr(socket, \"IPV6_DSTOPTS\", 59), "
                        + "bytes([0, 0, 1, 4, 0, 0, 0, 0]))\ns.bind("));
        received = scripts.resolve("received");
        Files.writeString(received, "");
        denied = scripts.resolve("denied");
        Files.writeString(denied, "");
    }

    @AfterEach
    void tearDown() throws IOException {
        WorkloadHost.tearDown(lab, servers, scripts);
    }

    @Test
    void aWorkloadGetsNothingPastPolicyNorTakesTrafficOnIptables() throws Exception {
        check(DataplaneDriver.IPTABLES);
    }

    @Test
    void onNftablesToo() throws Exception {
        check(DataplaneDriver.NFTABLES);
    }

    @Test
    void tinyAndOverlappingFragmentsMeetThePortsVerdictOnIptables() throws Exception {
        checkFragments(DataplaneDriver.IPTABLES);
    }

    @Test
    void tinyAndOverlappingOnNftablesToo() throws Exception {
        checkFragments(DataplaneDriver.NFTABLES);
    }

    /**
     * Fragments a stateless look at the first one would misjudge (docs/dataplane.md, "Session 60 (t-host)"): a TCP
     * header cut in two, an IPv6 first fragment holding only an extension header, and a first fragment naming port 5000
     * that a longer one at the same offset rewrites to 6000. The rules read whole datagrams, as conntrack reassembles
     * them first (or the kernel drops what it will not reassemble): nothing reaches port 6000, on either family.
     */
    private void checkFragments(DataplaneDriver driver) throws Exception {
        CommandRunner w1 = start(driver).get(0);
        String tiny = scripts.resolve("tiny.py").toString();
        java.util.Map<String, String> replies = new java.util.TreeMap<>();
        for (String family : List.of("4", "6")) {
            String from = family.equals("4") ? "10.65.0.1" : "fd65::1";
            String to = family.equals("4") ? "10.65.0.2" : "fd65::2";
            for (String layout : family.equals("4") ? List.of("plain", "whole", "split", "overlap")
                    : List.of("plain", "whole", "split", "dstopts", "overlap")) {
                for (String port : List.of("5000", "6000")) {
                    replies.put("tcp " + layout + family + " " + port, w1.run(EstablishedFlowKernelTest.PYTHON, tiny, from,
                            to, "tcp", port, layout, "-").check().stdout().trim());
                }
            }
        }
        for (String layout : List.of("plain", "whole", "dstopts", "overlap")) {
            for (String port : List.of("5000", "6000")) {
                w1.run(EstablishedFlowKernelTest.PYTHON, tiny, "fd65::1", "fd65::2", "udp", port, layout,
                        layout + "-" + port).check();
            }
        }
        Thread.sleep(500);
        List<String> opened = replies.entrySet().stream().filter(entry -> entry.getValue().equals("reply"))
                .map(Map.Entry::getKey).toList();
        assertEquals(List.of(), opened.stream().filter(key -> key.endsWith("6000")).toList(),
                "no TCP SYN reached w2's port 6000, however fragmented: " + replies);
        assertEquals(List.of(), Files.readAllLines(denied), "no UDP datagram reached w2's port 6000");
        // the making is right: whole headers, unfragmented or in fragments, and a TCP header cut in two over IPv4
        // (reassembled before the rules) reach port 5000; the kernel drops IPv6's tiny first fragments and either
        // family's overlapping ones whole, so those reach neither port
        assertTrue(opened.containsAll(List.of("tcp plain4 5000", "tcp whole4 5000", "tcp split4 5000", "tcp plain6 5000",
                "tcp whole6 5000")), "SYNs to port 5000 are answered: " + replies);
        assertTrue(Files.readAllLines(received).containsAll(List.of("plain-5000......", "whole-5000......")),
                "UDP to port 5000 arrives: " + Files.readAllLines(received));
    }

    /** The lab (w1, w2, w3 on both families) under DRIVER's rules, w2's servers of ports 5000 and 6000 listening. */
    private List<CommandRunner> start(DataplaneDriver driver) throws Exception {
        List<CommandRunner> workloads = List.of(lab.dualStackWorkload(1), lab.dualStackWorkload(2), lab.dualStackWorkload(3));
        Dataplane dataplane = new Dataplane(lab.host());
        assertTrue(dataplane.start().failures().isEmpty());
        assertEquals(Map.of(), dataplane.apply(state(driver)).failures());
        lab.awaitLinksPassPackets();
        for (String script : List.of("server5000.py", "server6000.py", "server6-5000.py", "server6-6000.py")) {
            Process server = new ProcessBuilder("ip", "netns", "exec", PREFIX + "w2", EstablishedFlowKernelTest.PYTHON,
                    scripts.resolve(script).toString(), (script.contains("6000") ? denied : received).toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            servers.add(server);
            assertEquals("ready", new BufferedReader(new InputStreamReader(server.getInputStream())).readLine(),
                    "the server listens (" + script + ")");
        }
        return workloads;
    }

    private void check(DataplaneDriver driver) throws Exception {
        CommandRunner host = lab.host();
        List<CommandRunner> workloads = start(driver);
        CommandRunner w1 = workloads.get(0);
        CommandRunner w3 = workloads.get(2);
        String big = "x".repeat(3000);

        // fragments: the first carries the port, the later ones only the rest; the port's verdict must hold for all
        for (String family : List.of("", "6")) {
            String from = family.isEmpty() ? "10.65.0.1" : "fd65::1";
            String to = family.isEmpty() ? "10.65.0.2" : "fd65::2";
            assertTrue(sent(w1, "peer" + family + ".py", from, "small" + family, to, "5000"), "port 5000 is open " + family);
            assertTrue(sent(w1, "peer" + family + ".py", from, "big" + family + big, to, "5000"),
                    "a datagram in fragments to port 5000 passes " + family);
            assertFalse(sent(w1, "peer" + family + ".py", from, "denied" + family, to, "6000"), "port 6000 is not " + family);
            assertFalse(sent(w1, "peer" + family + ".py", from, "fragmented" + family + big, to, "6000"),
                    "nor in fragments " + family);
        }
        assertTrue(sent(w1, "peer6-options.py", "fd65::1", "options", "fd65::2", "5000"),
                "a destination-options header on the way to port 5000 passes");
        assertFalse(sent(w1, "peer6-options.py", "fd65::1", "options-denied", "fd65::2", "6000"),
                "one on the way to port 6000 does not");
        assertFalse(sent(w1, "peer6-options.py", "fd65::1", "options-fragmented" + big, "fd65::2", "6000"),
                "nor in fragments");
        // hand-made fragments, both families: two in order to port 5000 (they pass: the making is right), the same to 6000, a
        // first fragment to 5000 whose port a later overlapping one rewrites to 6000 before the last closes the datagram,
        // and the same the other way round (whichever the kernel keeps, the rules read the port it delivers to: Linux
        // keeps the first of two fragments with the same offset and length, so "rewrite" reaches port 5000, which policy
        // admits, and "reverse" port 6000, which it does not)
        String fragments = scripts.resolve("fragments.py").toString();
        for (String family : List.of("4", "6")) {
            String from = family.equals("4") ? "10.65.0.1" : "fd65::1";
            String to = family.equals("4") ? "10.65.0.2" : "fd65::2";
            w1.run(EstablishedFlowKernelTest.PYTHON, fragments, from, to, "inorder" + family, "5000@0", "0@2").check();
            w1.run(EstablishedFlowKernelTest.PYTHON, fragments, from, to, "closed-" + family, "6000@0", "0@2").check();
            w1.run(EstablishedFlowKernelTest.PYTHON, fragments, from, to, "rewrite" + family, "5000@0", "6000@0", "0@2").check();
            w1.run(EstablishedFlowKernelTest.PYTHON, fragments, from, to, "reverse" + family, "6000@0", "5000@0", "0@2").check();
            assertTrue(org.jcalico.testing.Eventually.within(5, () -> lines().stream()
                    .anyMatch(line -> line.startsWith("inorder" + family))), "hand-made fragments to port 5000 reach w2 (" + family + ")");
        }
        Thread.sleep(500);
        List<String> got = Files.readAllLines(received).stream().map(line -> line.replace(big, "+big"))
                .map(line -> line.replaceAll("^(inorder[46]|rewrite[46]).*", "$1")).toList();
        assertEquals(List.of(), Files.readAllLines(denied), "nothing reached w2's port 6000");
        assertEquals(List.of("small", "big+big", "small6", "big6+big", "options", "inorder4", "rewrite4", "inorder6",
                "rewrite6"), got, "port 5000's datagrams reached w2, each once");

        // neighbour discovery and ARP from w1: nothing the host routes may move, nor may the host take a router
        String w1Mac = w1.run("cat", "/sys/class/net/eth0/address").check().stdout().trim();
        String w1LinkLocal = w1.run("ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link").check().stdout()
                .replaceAll("(?s).*inet6 (fe80::[0-9a-f:]+)/.*", "$1");
        assertTrue(w1LinkLocal.startsWith("fe80::"), "w1 has a link-local address: " + w1LinkLocal);
        w1.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("nd.py").toString(), "ra").check();
        w1.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("nd.py").toString(), "redirect", w1LinkLocal, "fd65::2",
                HOST_LINK_LOCAL).check();
        for (String claimed : List.of("fd65::2", "fd65::3", HOST_LINK_LOCAL)) {
            for (String to : List.of("ff02::1", HOST_LINK_LOCAL)) {
                w1.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("nd.py").toString(), "na", claimed, to).check();
            }
        }
        for (String claimed : List.of("10.65.0.2", "10.65.0.3")) {
            w1.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve("nd.py").toString(), "arp", claimed).check();
        }
        assertEquals(List.of(), host.run("ip", "-6", "route", "show", "table", "all").check().stdout().lines()
                        .filter(line -> line.contains("fd99:") || line.contains(w1LinkLocal) || line.startsWith("default"))
                        .toList(), "no router advertisement or redirect gave the host a route through w1");
        assertTrue(host.run("ip", "route", "get", "10.65.0.2").check().stdout().contains("dev jcw2"), "w2 is on jcw2");
        assertTrue(host.run("ip", "-6", "route", "get", "fd65::2").check().stdout().contains("dev jcw2"),
                "w2 is on jcw2 over IPv6");
        for (String family : List.of("-4", "-6")) {
            assertEquals(List.of(), host.run("ip", family, "neigh", "show").check().stdout().lines()
                            .filter(line -> line.contains(w1Mac) && !line.contains("dev jcw1 ")).toList(),
                    "w1's MAC is a neighbour only on w1's own interface (" + family + ")");
        }
        assertTrue(sent(w3, "peer.py", "10.65.0.3", "after", "10.65.0.2", "5000"), "w3 still reaches w2");
        assertTrue(sent(w3, "peer6.py", "fd65::3", "after6", "fd65::2", "5000"), "over IPv6 too");
        assertEquals(List.of("after", "after6"), Files.readAllLines(received).stream().skip(got.size()).toList(),
                "w3's datagrams reached w2, not w1");
        assertEquals("", host.run("ip", "-6", "addr", "show", "scope", "global").check().stdout()
                .lines().filter(line -> line.contains("fd99:")).reduce("", String::concat),
                "the host took no address from w1's advertisement");
    }

    /** What w2's servers got so far. */
    private List<String> lines() {
        try {
            return Files.readAllLines(received);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether FROM's SCRIPT sends TEXT from SOURCE:4000 to DESTINATION:PORT and is echoed. */
    private boolean sent(CommandRunner from, String script, String source, String text, String destination, String port) {
        return from.run(EstablishedFlowKernelTest.PYTHON, scripts.resolve(script).toString(), source, "4000", text,
                destination, port).ok();
    }

    /**
     * FabricSpoofKernelTest.endpoints(); w2 admits UDP to port 5000 only; workloads may reach their host.
     */
    private static HostState state(DataplaneDriver driver) {
        List<Policy> policies = List.of((Policy) ResourceCodec.decodeAll("""
                kind: GlobalNetworkPolicy
                metadata: {name: db-in}
                spec: {selector: app == "db", ingress: [{action: Allow, protocol: UDP, destination: {ports: [5000]}},
                  {action: Allow, protocol: TCP, destination: {ports: [5000]}}]}
                """).get(0));
        // workloads may reach their host: what keeps the host's routes is then its own settings, not the default drop
        FelixConfiguration config = new FelixConfiguration("global", null, FelixConfiguration.EndpointToHostAction.ACCEPT,
                null, null).merge(FelixConfiguration.DEFAULTS).withDataplaneDriver(driver);
        return new HostStateCalculator().calculate(Snapshot.of("h1", config, FabricSpoofKernelTest.endpoints(),
                Map.of("open", OPEN))
                .withPolicy(List.of(), policies, List.of(), Map.of()));
    }
}
