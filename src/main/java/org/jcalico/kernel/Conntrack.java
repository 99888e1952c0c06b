package org.jcalico.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Deletes tracked connections of a runner's network namespace by address, in-process over conntrack's netlink
 * protocol (netfilter netlink, subsystem ctnetlink): what {@code conntrack -D -s A} and {@code conntrack -D -d A} do,
 * without a process. One IPCTNL_MSG_CT_DELETE per address and side, carrying a filter (CTA_FILTER: the original
 * tuple's source, or destination, address): the kernel walks its table once and deletes what matches (a filtered
 * flush, Linux 6.12 and later). A kernel without it reads the same message as a deletion of one connection by its whole
 * original tuple, which this one (no protocol, one address) is not: it refuses it ("Invalid argument") and deletes
 * nothing, and the caller falls back to the conntrack tool ({@link Unsupported}). No other reading of the message
 * exists, so an older kernel can never take it for a flush of everything.
 *
 * <p>{@link #addresses} lists the table's addresses (one dump, both families), for a start that must find the
 * connections of addresses it never saw go.
 *
 * <p>The kernel's filter compares IPv6 addresses the wrong way round (`!ipv6_addr_cmp`, true when they are equal, in
 * ctnetlink_filter_match_tuple): a filter of fd00::1's source and one of its destination delete every IPv6 connection
 * between them (6.18 here, session 63: {@code ConntrackKernelTest}'s IPv6 case, sent that way, left none). So IPv6
 * connections are deleted one by one by the original tuple a dump of the IPv6 table gives, as the conntrack tool does
 * (without its process, two per address).
 */
public final class Conntrack {
    private static final int NFNL_SUBSYS_CTNETLINK = 1;
    private static final int IPCTNL_MSG_CT_GET = 1;
    private static final int IPCTNL_MSG_CT_DELETE = 2;
    private static final int CTA_TUPLE_ORIG = 1;
    private static final int CTA_FILTER = 25;
    private static final int CTA_ZONE = 18;
    private static final int CTA_TUPLE_IP = 1;
    private static final int CTA_IP_V4_SRC = 1;
    private static final int CTA_IP_V4_DST = 2;
    private static final int CTA_IP_V6_SRC = 3;
    private static final int CTA_IP_V6_DST = 4;
    private static final int CTA_FILTER_ORIG_FLAGS = 1;
    /** The filter's flags are named after the tuple's attributes: bit 0 the source address, bit 1 the destination. */
    private static final int FILTER_IP_SRC = 1;
    private static final int FILTER_IP_DST = 1 << 1;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NFPROTO_IPV4 = 2;
    private static final int NFPROTO_IPV6 = 10;
    /** A dump's family: every family's connections. */
    private static final int NFPROTO_UNSPEC = 0;
    /**
     * The most IPv4 addresses a call deletes by the kernel's filter (two walks of the table each, in the kernel) rather
     * than by a dump: one dump cost about as much as seven such pairs (session 64, t-reuse: 15-26 ms against 2.1-3.4 ms
     * for a pair, an empty namespace, 40 of each, load 18).
     */
    static final int FILTERED_MAX = 8;
    /**
     * The most tracked connections a namespace may hold for a forgetting to read their text first ({@link #tracked}):
     * about 220 bytes each, 1.3 ms for 1,000 (session 65), still below a dump's walk of the hash ({@link #listable}).
     */
    static final int LISTED_MAX = 1_000;
    /** The most tracked connections whose text a forgetting reads first for each IPv4 address it is given alone. */
    static final int LISTED_PER_ADDRESS = 250;
    /** The most bytes a line of the text takes: two IPv6 tuples and the rest, with room. */
    private static final int LINE_MAX = 512;
    /** The namespace's count of tracked connections, as the calling thread sees it (sysctls are per namespace). */
    private static final Path COUNT = Path.of("/proc/sys/net/netfilter/nf_conntrack_count");
    /** The namespace's tracked connections as text: the calling thread's namespace, not the process's. */
    private static final Path TEXT = Path.of("/proc/thread-self/net/nf_conntrack");
    /** The nfgenmsg before a message's attributes. */
    private static final int FIXED = 4;
    private static final String TOOL = "conntrack";
    /** strerror(ENOENT): no such connection. */
    private static final String GONE = "No such file or directory";
    private final NamespaceThread<NetlinkChannel> thread;
    /** Whether the namespace is the process's own, which every thread but another namespace's own is in. */
    private final boolean own;
    private final BiConsumer<String, Boolean> observer;

    Conntrack(String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        this.thread = new NamespaceThread<>(namespace, TOOL,
                () -> new NetlinkChannel(timeoutSeconds, NetlinkSocket.NETLINK_NETFILTER), timeoutSeconds);
        this.observer = observer;
        this.own = namespace == null;
    }

    /** The kernel refused the deletion (nothing of it was done): the conntrack tool has to do it. */
    public static final class Unsupported extends KernelException {
        Unsupported(String message) {
            super(message);
        }
    }

    /**
     * Deletes every tracked connection whose original source or original destination is one of the addresses; none
     * matching is no error. IPv4 by the kernel's filter (two messages per address, each a walk of the table in the
     * kernel, nothing copied out); IPv6, whose filter the kernel gets wrong (above), by one dump and the deletion of each
     * matching connection by its original tuple (and zone), as the conntrack tool does: one that ended between the two is
     * no error. At most one dump a call: more than {@link #FILTERED_MAX} IPv4 addresses, whose filtered deletions would
     * cost more than one dump, are found by it too (the IPv6 one when there is IPv6), so that a batch of many gone
     * addresses (a cluster's churn of remote endpoints) costs at most one dump, not two walks per address. Only the
     * addresses that have a connection at all go that way ({@link #tracked}): an address with none, a forgetting's usual
     * case, costs no walk of the table.
     *
     * @throws Unsupported when the kernel refused a deletion: a kernel without filtered deletion ("Invalid argument",
     *                     before Linux 6.12; then nothing of IPv4 was deleted), or one without conntrack's netlink
     * @throws Rtnetlink.Interrupted when the answers were lost (which deletions took effect is unknown)
     */
    public void forget(List<? extends InetAddress> addresses) {
        // in the process's own namespace (an agent's, the bench's worker's) the caller reads what is tracked itself: an
        // address without connections costs no hand-over to the thread, which waits for a core under load (up to 32 ms
        // of a lent add's at load 15, session 65)
        List<InetAddress> known = own ? tracked(addresses) : null;
        if (known != null && known.isEmpty()) {
            return;
        }
        Forgetting done = thread.observed(channel -> forget(channel, known != null ? known : tracked(addresses)),
                forgetting -> !forgetting.refused().isEmpty(), TOOL, observer);
        if (!done.refused().isEmpty()) {
            int first = done.refused().keySet().stream().min(Integer::compare).orElseThrow();
            throw new Unsupported("conntrack: deleting the tracked connections of " + done.whose().get(first).getHostAddress()
                    + " was refused: " + done.refused().get(first));
        }
    }

    /** A forgetting's refused requests by their index, and whose address each request was for. */
    private record Forgetting(Map<Integer, String> refused, List<InetAddress> whose) {
    }

    private static Forgetting forget(NetlinkChannel channel, List<InetAddress> addresses) {
        long ipv4 = addresses.stream().filter(Inet4Address.class::isInstance).count();
        Set<ByteBuffer> dumped = new HashSet<>();
        boolean filtered = ipv4 <= FILTERED_MAX;
        List<NetlinkChannel.Request> requests = new ArrayList<>();
        List<InetAddress> whose = new ArrayList<>();
        for (InetAddress address : addresses) {
            if (filtered && address instanceof Inet4Address) {
                requests.add(delete(address, FILTER_IP_SRC));
                requests.add(delete(address, FILTER_IP_DST));
                whose.add(address);
                whose.add(address);
            } else {
                dumped.add(ByteBuffer.wrap(address.getAddress()));
            }
        }
        int family = filtered || ipv4 == 0 ? NFPROTO_IPV6 : ipv4 == addresses.size() ? NFPROTO_IPV4 : NFPROTO_UNSPEC;
        int byFilter = requests.size();
        if (!dumped.isEmpty()) {
            matching(channel, family, dumped, requests, whose);
        }
        Map<Integer, String> answers = channel.send(requests);
        // a connection deleted by its tuple that ended since the dump
        answers.entrySet().removeIf(answer -> answer.getKey() >= byFilter && answer.getValue().contains(GONE));
        return new Forgetting(answers, whose);
    }

    /**
     * Of ADDRESSES, those that may have a tracked connection in the namespace of the thread that calls: none when its
     * table is empty; when it holds no more connections than {@link #listable}, those its text shows (one read of
     * /proc/thread-self/net/nf_conntrack, {@link ConntrackText}); otherwise, or when the kernel writes no such text,
     * all of them. The kernel's dump takes the lock of each of the hash's buckets, empty or not (262,144 here, shared by
     * every namespace: 3.4-3.9 ms, session 65), where the text's reader passes the empty ones under RCU (0.25-0.4 ms
     * for a few connections, 1.3 ms for 1,000), and each IPv4 address costs two filtered walks of it: so an address
     * that has no connection, the usual case of a forgetting, costs a read of the text and nothing else. A connection
     * that is made after the read began is not in it, as one made after a dump's or a walk's pass is not in theirs.
     */
    private static List<InetAddress> tracked(List<? extends InetAddress> addresses) {
        if (addresses.isEmpty()) {
            return List.of();
        }
        long count = trackedCount();
        if (count == 0) {
            return List.of();
        }
        String text = count > 0 && count <= listable(addresses) ? trackedText() : null;
        if (text == null) {
            return List.copyOf(addresses);
        }
        Set<String> shown = ConntrackText.shown(text,
                addresses.stream().map(ConntrackText::form).collect(Collectors.toSet()));
        return addresses.stream().filter(address -> shown.contains(ConntrackText.form(address)))
                .map(InetAddress.class::cast).toList();
    }

    /**
     * The most connections whose text costs less to read than the walks it may spare ADDRESSES: a dump (an IPv6
     * address, or more than {@link #FILTERED_MAX} IPv4 ones) as much as {@link #LISTED_MAX} connections' text, an IPv4
     * address's two filtered walks (0.4-0.7 ms) as much as {@link #LISTED_PER_ADDRESS} connections' (about 1 us each
     * after 0.25-0.4 ms for the read itself, session 65).
     */
    static long listable(List<? extends InetAddress> addresses) {
        long ipv4 = addresses.stream().filter(Inet4Address.class::isInstance).count();
        return ipv4 < addresses.size() || ipv4 > FILTERED_MAX ? LISTED_MAX
                : Math.min(LISTED_MAX, ipv4 * LISTED_PER_ADDRESS);
    }

    /**
     * How many connections the calling thread's namespace tracks, or -1 when the kernel does not say. In one read from
     * the start: a sysctl's file answers a read at any other offset with nothing, so that {@code Files.readString},
     * which reads one byte first, takes 262144 for 2.
     */
    private static long trackedCount() {
        try (InputStream in = Files.newInputStream(COUNT)) {
            return Long.parseLong(new String(in.readNBytes(32), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The calling thread's namespace's tracked connections as text, or null when the kernel writes none or it grew past
     * what {@link #LISTED_MAX} connections take (read no further: a dump is cheaper then).
     */
    private static String trackedText() {
        int most = LISTED_MAX * LINE_MAX;
        try (InputStream in = Files.newInputStream(TEXT)) {
            byte[] text = in.readNBytes(most + 1);
            return text.length <= most ? new String(text, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Adds to REQUESTS (and WHOSE) the deletion of each connection of FAMILY with an address of ADDRESSES on either side
     * of its original direction: one dump.
     */
    private static void matching(NetlinkChannel channel, int family, Set<ByteBuffer> addresses,
                                 List<NetlinkChannel.Request> requests, List<InetAddress> whose) {
        int before = requests.size();
        channel.dump(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET, writer -> writer.u8(family).u8(0).u16(0), () -> {
            requests.subList(before, requests.size()).clear();
            whose.subList(before, whose.size()).clear();
            return message -> {
                for (int side : new int[] {CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST}) {
                    byte[] address = message.attribute(FIXED, CTA_TUPLE_ORIG, CTA_TUPLE_IP, side);
                    if (address != null && addresses.contains(ByteBuffer.wrap(address))) {
                        requests.add(deleteTuple(address.length == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6,
                                message.attribute(FIXED, CTA_TUPLE_ORIG), message.attribute(FIXED, CTA_ZONE)));
                        whose.add(inet(address));
                        return;
                    }
                }
            };
        });
    }

    /**
     * The addresses, IPv4 and IPv6, on either side of a tracked connection's original direction (4 or 16 bytes) that KEPT
     * maps to a value (null: left out), each value once: one dump of the table, read as it arrives, so that what is held follows
     * what KEPT keeps, not the table (a gateway's hundreds of thousands of peers are never held).
     *
     * @throws KernelException when the kernel refused the dump (no conntrack netlink)
     * @throws Rtnetlink.Interrupted when the dump could not be read whole
     */
    public <T> Set<T> addresses(Function<byte[], T> kept) {
        return thread.run(channel -> {
            Set<T> found = new HashSet<>();
            channel.dump(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET, writer -> writer.u8(NFPROTO_UNSPEC).u8(0).u16(0), () -> {
                found.clear();
                return message -> {
                    for (int side : new int[] {CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST}) {
                        byte[] address = message.attribute(FIXED, CTA_TUPLE_ORIG, CTA_TUPLE_IP, side);
                        T value = address == null ? null : kept.apply(address);
                        if (value != null) {
                            found.add(value);
                        }
                    }
                };
            });
            return found;
        });
    }

    /**
     * The deletion of one connection of FAMILY by its original tuple as a dump gave it (a nest's value), in its zone if
     * any.
     */
    private static NetlinkChannel.Request deleteTuple(int family, byte[] tuple, byte[] zone) {
        return new NetlinkChannel.Request(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE, 0, writer -> {
            writer.u8(family).u8(0).u16(0).attribute(CTA_TUPLE_ORIG | NLA_F_NESTED, tuple);
            if (zone != null) {
                writer.attribute(CTA_ZONE, zone);
            }
        });
    }

    private static InetAddress inet(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (java.net.UnknownHostException e) {
            throw new KernelException("conntrack: an address of " + address.length + " bytes in a dump");
        }
    }

    private static NetlinkChannel.Request delete(InetAddress address, int side) {
        boolean v4 = address instanceof Inet4Address;
        int attribute = side == FILTER_IP_SRC ? (v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC) : (v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST);
        return new NetlinkChannel.Request(NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE, 0, writer -> writer
                // nfgenmsg: the family the filter holds to (a filtered deletion reads it whatever the version)
                .u8(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6).u8(0).u16(0)
                .nest(CTA_TUPLE_ORIG | NLA_F_NESTED).nest(CTA_TUPLE_IP | NLA_F_NESTED)
                .attribute(attribute, address.getAddress())
                .endNest().endNest()
                .nest(CTA_FILTER | NLA_F_NESTED).attribute(CTA_FILTER_ORIG_FLAGS, side).endNest());
    }
}
