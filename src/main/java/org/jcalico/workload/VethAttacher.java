package org.jcalico.workload;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.model.Cidr;

/**
 * Plugs a container into its host with a veth pair and nothing else: no bridge, no address on the host side. The
 * container routes everything to a gateway that exists only as an ARP answer (IPv4, proxy_arp on the host side) or as
 * the host side's fixed link-local address (IPv6), so every container on every host is configured the same way.
 * The host side's sysctls and routes are the agent's job; this class only builds the pair, brings the host side up,
 * and configures the container's half.
 */
public final class VethAttacher {
    public static final String HOST_MAC = "ee:ee:ee:ee:ee:ee";
    public static final String IPV4_GATEWAY = "169.254.1.1";
    /** The EUI-64 link-local address that {@link #HOST_MAC} gives the host side. */
    public static final String IPV6_GATEWAY = "fe80::ecee:eeff:feee:eeee";
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final byte[] GATEWAY4 = address(IPV4_GATEWAY);
    private static final byte[] GATEWAY6 = address(IPV6_GATEWAY);
    /** As long as the host would otherwise wait before asking ARP again (net.ipv4.neigh.default.retrans_time_ms). */
    private static final long PASSING_WAIT_NANOS = 1_000_000_000L;
    /**
     * How long {@link #passesOnceUp} waits for a runtime to bring the peer up: dockerd does it when it starts the
     * container (runc's prestart hook), which on a loaded machine has taken seconds after Join.
     */
    private static final long PEER_UP_WAIT_NANOS = 30_000_000_000L;
    /**
     * Between two questions about a link whose peer a runtime has moved into the container (it brings the peer up
     * right after): the container's first packet goes out a few milliseconds after its side is up (the process's
     * start), and its gateway's ARP answer has to find the host side passing by then or wait a second for the next
     * question.
     */
    private static final long PEER_UP_POLL_MILLIS = 2;
    /**
     * Between two questions while the peer is still in the host's namespace: dockerd moves it into the container only
     * in runc's prestart hook, hundreds of milliseconds after Join (on a loaded machine, seconds), and the container's
     * process starts tens of milliseconds after that move (dockerd's `SetKey` processing, then runc's start: 38-87 ms
     * in session 34's and 53's stamps). Asking every 2 ms for all that time cost the agent a netlink question and two
     * thread wake-ups every 2 ms of every `docker run`'s start, on the cores dockerd and runc need (docs/docker.md,
     * "Session 59 (d-fast)"); at this interval the move is seen at most 20 ms late, and the questions then come every
     * {@link #PEER_UP_POLL_MILLIS}.
     */
    private static final long PEER_MOVE_POLL_MILLIS = 20;
    private final CommandRunner host;
    private final Rtnetlink netlink;

    /** @param host the host's namespace, where the host side of every pair lives */
    public VethAttacher(CommandRunner host) {
        this.host = host;
        this.netlink = host.rtnetlink();
    }

    /**
     * Creates the pair and configures the container's side: up, the addresses (single hosts, IPv4 and/or IPv6) and the
     * default routes, and brings the host side up. All or nothing: on failure the pair is removed again and a
     * {@link WorkloadException} says why.
     */
    public Attachment attach(String hostInterface, ContainerNamespace container, String containerInterface,
                             List<Cidr> addresses) {
        checkHosts(addresses);
        return configure(createPair(hostInterface, container, containerInterface,
                addresses.stream().anyMatch(address -> address.version() == 6)), addresses);
    }

    /** A pair that {@link #createPair} made, its container's side not configured yet. */
    public record Pair(String hostInterface, ContainerNamespace container, String containerInterface, String containerMac) {
    }

    /**
     * The first half of {@link #attach}: the pair, its peer inside the container under its final name, and the host
     * side up. It needs no address, only whether one will be IPv6 (the host side's link-local address is the
     * container's IPv6 gateway), so an attachment makes it while its addresses are being taken (ContainerService). On
     * failure nothing is left.
     */
    public Pair createPair(String hostInterface, ContainerNamespace container, String containerInterface, boolean ipv6) {
        checkInterfaceName(hostInterface);
        checkInterfaceName(containerInterface);
        String failure = "cannot attach " + container.description();
        if (host.runsIn(container.path())) {
            // the container side's addresses and default routes would reroute the host itself
            throw new WorkloadException(failure + ": it is the host's own network namespace");
        }
        String containerMac = randomMac();
        createPair(hostInterface, container, CommandRunner.atPath(container.path().toString()), containerInterface,
                containerMac, ipv6, failure);
        return new Pair(hostInterface, container, containerInterface, containerMac);
    }

    /**
     * The second half of {@link #attach}: the container's side up, its addresses and default routes; returns once the
     * host side passes packets. On failure the pair is removed again.
     */
    public Attachment configure(Pair pair, List<Cidr> addresses) {
        String hostInterface = pair.hostInterface();
        String failure = "cannot attach " + pair.container().description();
        boolean ipv4 = addresses.stream().anyMatch(address -> address.version() == 4);
        boolean ipv6 = addresses.stream().anyMatch(address -> address.version() == 6);
        try {
            checkHosts(addresses);
            // docker turns IPv6 off in --net=none containers, and a new interface inherits that: configureInside
            // turns it on for the device when it has an IPv6 address
            Rtnetlink.Refusal refusal = netlink.configureInside(pair.container().path().toString(), new Rtnetlink.Inside(
                    pair.containerInterface(), addresses.stream().map(address -> new Rtnetlink.LinkAddress(
                    address(address.network().toString()), address.prefixLength())).toList(), ipv4 ? GATEWAY4 : null,
                    ipv6 ? GATEWAY6 : null));
            if (refusal != null) {
                throw new WorkloadException(failure + ": " + refusal.step() + ": " + refusal.error());
            }
            awaitPassing(hostInterface);
            return new Attachment(hostInterface, pair.containerInterface(), pair.containerMac());
        } catch (KernelException e) {
            detach(hostInterface);
            throw new WorkloadException(failure + ": " + e.getMessage());
        } catch (WorkloadException e) {
            detach(hostInterface);
            throw e;
        }
    }

    private static void checkHosts(List<Cidr> addresses) {
        for (Cidr address : addresses) {
            if (!address.isHost()) {
                throw new WorkloadException("address " + address + " is not a single address (/32 or /128)");
            }
        }
    }

    /**
     * Creates the pair with both ends in the host's namespace, the host side up as {@link #attach} leaves it and the
     * peer down and unconfigured under {@code peerName}, for a runtime that moves it into its container and
     * configures it itself (docker). All or nothing, like attach.
     *
     * @param peerMac the peer's MAC, null: a random one
     */
    public Attachment createUnplugged(String hostInterface, String peerName, String peerMac, boolean ipv6) {
        checkInterfaceName(hostInterface);
        checkInterfaceName(peerName);
        String mac = peerMac == null ? randomMac() : peerMac;
        if (!MAC.matcher(mac).matches()) {
            throw new WorkloadException("'" + mac + "' is not a MAC address like 02:00:00:00:00:01");
        }
        createPair(hostInterface, null, null, peerName, mac, ipv6, "cannot create the interface pair " + hostInterface
                + " / " + peerName);
        return new Attachment(hostInterface, peerName, mac);
    }

    /** Removes the pair by its host side; nothing to do when it is already gone (as when its container has died). */
    public void detach(String hostInterface) {
        checkInterfaceName(hostInterface);
        String refused = netlink.deleteLink(hostInterface);
        if (refused != null && netlink.hasLink(hostInterface)) {
            throw new WorkloadException("cannot remove host interface " + hostInterface + ": " + refused);
        }
    }

    /**
     * One netlink request creates both ends, the peer directly inside the container under its final name, so a
     * failure leaves nothing behind and the container's name never has to be free on the host. The host side comes up
     * at once, not when the agent configures it: a veth whose carrier comes on just as the first packets arrive may
     * hold them for a second (seen in `bench attach` as one add in fifty whose first ping took 1.1 s). Its link-local
     * address, every container's IPv6 gateway, is given rather than generated, so that it is usable at once instead of
     * after a second of duplicate address detection. In-process over rtnetlink: no ip(8) forked per container.
     */
    private void createPair(String hostInterface, ContainerNamespace container, CommandRunner inside,
                            String containerInterface, String containerMac, boolean ipv6, String failure) {
        Rtnetlink.Refusal refusal;
        String lost = null;
        try {
            refusal = netlink.createVeth(new Rtnetlink.Veth(hostInterface, mac(HOST_MAC), containerInterface, mac(containerMac),
                    container == null ? null : container.path().toString(), ipv6 ? GATEWAY6 : null));
            if (refusal == null) {
                return;
            }
        } catch (KernelException e) {
            // the namespace could not be opened, or the answers were lost: what exists is found out below
            refusal = null;
            lost = e.getMessage();
        }
        if (refusal != null && !refusal.first()) {
            // the pair was made and has been deleted again; what came after it was refused
            throw new WorkloadException(failure + ": " + refusal.step() + ": " + refusal.error() + (refusal.step().equals("address add")
                    ? " (the IPv6 gateway address on the host side; is IPv6 off for new interfaces: net.ipv6.conf.default.disable_ipv6?)"
                    : ""));
        }
        if (container != null && !Files.exists(container.path())) {
            throw new WorkloadException(failure + ": its network namespace " + container.path() + " no longer exists");
        }
        if (lost != null) {
            detach(hostInterface);
            throw new WorkloadException(failure + ": " + lost);
        }
        if (netlink.hasLink(hostInterface)) {
            throw new WorkloadException(failure + ": host interface " + hostInterface + " already exists");
        }
        if (container == null ? netlink.hasLink(containerInterface) : inside.run("ip", "link", "show", "dev", containerInterface).ok()) {
            throw new WorkloadException(failure + ": " + (container == null ? "the host" : "the container")
                    + " already has an interface " + containerInterface);
        }
        throw new WorkloadException(failure + ": " + refusal.step() + ": " + refusal.error());
    }

    /**
     * Returns once the host side passes packets, for at most {@link #PASSING_WAIT_NANOS}. The container side coming up
     * turns the pair's carrier on, but the host side drops what it sends until the kernel's link watch (a worker
     * thread, late on a busy machine) has run for it: an endpoint recorded before that gets its route, the first
     * packet to it makes the host ask ARP for its address, the question is dropped, and it is asked again only a second
     * later. Seen in `bench attach` as adds whose first ping came 1.05-1.1 s after the command's start, the route in
     * place 16 ms before the link watch ran (docs/agent.md, "A served `container add`", session 30). The question
     * itself settles it: the kernel (since 6.8) runs the link watch for a link it is asked about by name before it
     * answers, so the first answer is nearly always up and the wait one round trip. Past the wait, the add goes on:
     * the link comes up by itself, and a late first packet is all that costs.
     */
    private void awaitPassing(String hostInterface) {
        awaitPassing(hostInterface, PASSING_WAIT_NANOS, 1, 1);
    }

    /**
     * For a pair {@link #createUnplugged} made, once the runtime has answered: makes the host side pass packets as soon
     * as the runtime brings the peer up, on a thread of its own. The host side is up first, so the peer's coming up
     * turns its carrier on but leaves it dropping what it sends until the kernel's link watch has run for it, and
     * nothing of the runtime's comes after (dockerd brings the container's side up in runc's prestart hook, just
     * before the container's process runs, and calls the plugin no more). The link watch is a single worker that
     * takes at most 100-200 links a round: behind another namespace's thousands of links coming up (a lab being built
     * beside) it reached this link only seconds later, and every ARP answer to the container was dropped until then,
     * so its first ping got no answer (docs/docker.md, "Session 58 (d-flake)"). So this asks about the link by name
     * until it passes: the question runs the link watch for it ({@link #awaitPassing}). Ends when the link passes,
     * goes (the container never started), or after {@link #PEER_UP_WAIT_NANOS}.
     */
    public void passesOnceUp(String hostInterface) {
        checkInterfaceName(hostInterface);
        Thread.ofVirtual().name("veth-up-" + hostInterface).start(() -> {
            try {
                awaitPassing(hostInterface, PEER_UP_WAIT_NANOS, PEER_UP_POLL_MILLIS, PEER_MOVE_POLL_MILLIS);
            } catch (KernelException e) {
                // gone: the runtime removed the endpoint before its container ran
            }
        });
    }

    /**
     * Asks until the link passes or the wait is over: every {@code peerAwayMillis} once its peer is in another
     * namespace (the peer's coming up is near), every {@code peerHereMillis} while it is still in this one.
     */
    private void awaitPassing(String hostInterface, long waitNanos, long peerAwayMillis, long peerHereMillis) {
        long deadline = System.nanoTime() + waitNanos;
        for (Rtnetlink.Passing state; (state = netlink.passing(hostInterface)) != Rtnetlink.Passing.PASSES
                && System.nanoTime() < deadline; ) {
            try {
                Thread.sleep(state == Rtnetlink.Passing.NOT_YET_PEER_AWAY ? peerAwayMillis : peerHereMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Locally administered and unicast; chosen here rather than read back from the kernel afterwards. */
    private static String randomMac() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        bytes[0] = (byte) ((bytes[0] | 0x02) & 0xfe);
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    private static byte[] mac(String mac) {
        return HexFormat.ofDelimiter(":").parseHex(mac);
    }

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static void checkInterfaceName(String name) {
        if (name == null || !INTERFACE.matcher(name).matches()) {
            throw new WorkloadException("'" + name + "' is not a valid interface name (1 to 15 of A-Z a-z 0-9 _ . -)");
        }
    }
}
