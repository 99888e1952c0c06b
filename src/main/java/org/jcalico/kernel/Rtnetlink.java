package org.jcalico.kernel;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeSet;
import java.util.Set;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Routes and links of a runner's network namespace through rtnetlink, spoken in-process: no ip(8) per change. The
 * socket is opened on a thread of this object's own that entered the namespace ({@link NamespaceThread}), so it is
 * that namespace's and no other's; requests go out in batches ({@link NetlinkChannel}) and each refusal comes back
 * under its request with the kernel's text, as ip printed it ("File exists", "No such device").
 *
 * <p>What is sent is what {@code ip route add|del ... proto P} and {@code ip link set NAME up} send: a route is added
 * with NLM_F_CREATE|NLM_F_EXCL (never replacing a route someone else holds, "File exists"), in the main table, IPv4
 * routes to an interface with scope link; a route is deleted only when its protocol matches. An interface is named by
 * its index, which is looked up by name in each batch, never kept across batches: an interface made again under the
 * same name (a container added again) has a new index.
 */
public final class Rtnetlink {
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_DELLINK = 17;
    private static final int RTM_GETLINK = 18;
    private static final int RTM_NEWADDR = 20;
    private static final int RTM_GETADDR = 22;
    private static final int RTM_NEWROUTE = 24;
    private static final int RTM_DELROUTE = 25;
    private static final int RTM_GETROUTE = 26;
    private static final int NLM_F_EXCL = 0x200;
    private static final int NLM_F_CREATE = 0x400;
    private static final int AF_UNSPEC = 0;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int RT_TABLE_MAIN = 254;
    private static final int RT_SCOPE_UNIVERSE = 0;
    private static final int RT_SCOPE_LINK = 253;
    /** In a deletion: any scope matches. */
    private static final int RT_SCOPE_NOWHERE = 255;
    private static final int RTM_F_CLONED = 0x200;
    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    /** The protocol ip(8) gives the routes it adds. */
    private static final int RTPROT_BOOT = 3;
    private static final int RTA_TABLE = 15;
    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_OPERSTATE = 16;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_AF_SPEC = 26;
    private static final int IFLA_NET_NS_FD = 28;
    private static final int IFLA_EXT_MASK = 29;
    private static final int IFLA_LINK_NETNSID = 37;
    private static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;
    /** RFC 2863's "up", as IFLA_OPERSTATE says it. */
    private static final int IF_OPER_UP = 6;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int VETH_INFO_PEER = 1;
    private static final int IFLA_INET_CONF = 1;
    private static final int IFLA_INET6_CONF = 2;
    private static final int IFLA_INET6_ADDR_GEN_MODE = 8;
    private static final int IN6_ADDR_GEN_MODE_NONE = 1;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_FLAGS = 8;
    private static final int IFA_F_NODAD = 0x02;
    private static final int IFF_UP = 1;
    private static final int RTMSG = 12;
    private static final int IFINFOMSG = 16;
    private static final String TOOL = "rtnetlink";
    private final NamespaceThread<NetlinkChannel> thread;
    private final BiConsumer<String, Boolean> observer;
    private final long timeoutSeconds;

    Rtnetlink(String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        this.thread = channelThread(namespace, timeoutSeconds);
        this.observer = observer;
        this.timeoutSeconds = timeoutSeconds;
    }

    private static NamespaceThread<NetlinkChannel> channelThread(String namespace, long timeoutSeconds) {
        return new NamespaceThread<>(namespace, TOOL, () -> new NetlinkChannel(timeoutSeconds), timeoutSeconds);
    }

    /** The kinds of route jcalico writes; {@link #OTHER} for any other (prohibit, throw, local ...), read only. */
    public enum Type {
        UNICAST(1), BLACKHOLE(6), UNREACHABLE(7), OTHER(-1);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        static Type of(int code) {
            for (Type type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            return OTHER;
        }
    }

    /** A route of the main table: to an interface (a unicast route) or a blackhole or unreachable one (no device). */
    public record Route(InetAddress destination, int prefixLength, Type type, String device) {
    }

    /** A route to add or to delete. */
    public record RouteChange(boolean add, Route route) {
    }

    /**
     * Makes the changes, in order, with the protocol number; returns the refused ones' errors by index into changes.
     * No changes, no exchange (nor a run counted).
     * A route to an interface that does not exist is refused with ip's words, {@code Cannot find device "NAME"}.
     *
     * @throws Interrupted when the batch's answers were lost: which changes took effect is unknown
     */
    public Map<Integer, String> change(int protocol, List<RouteChange> changes) {
        if (changes.isEmpty()) {
            return Map.of();
        }
        return observed(channel -> {
            Map<Integer, String> refused = new HashMap<>();
            Map<String, Integer> indexes = new HashMap<>();
            List<NetlinkChannel.Request> requests = new ArrayList<>();
            List<Integer> sent = new ArrayList<>();
            for (int i = 0; i < changes.size(); i++) {
                Route route = changes.get(i).route();
                int index = route.device() == null ? 0 : indexes.computeIfAbsent(route.device(), channel::index);
                if (route.device() != null && index == 0) {
                    refused.put(i, "Cannot find device \"" + route.device() + "\"");
                    continue;
                }
                requests.add(routeRequest(changes.get(i).add(), protocol, route, index));
                sent.add(i);
            }
            channel.send(requests).forEach((request, error) -> refused.put(sent.get(request), error));
            return refused;
        }, refusals -> !refusals.isEmpty());
    }

    private static NetlinkChannel.Request routeRequest(boolean add, int protocol, Route route, int index) {
        boolean v4 = route.destination() instanceof Inet4Address;
        // as ip: an IPv4 route to an interface is on the wire (scope link); IPv6 routes have no scope; a deletion
        // matches any scope, but only routes of its protocol
        int scope = !add ? (v4 ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE)
                : v4 && route.type() == Type.UNICAST ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        return new NetlinkChannel.Request(add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0, writer -> {
            writer.u8(v4 ? AF_INET : AF_INET6).u8(route.prefixLength()).u8(0).u8(0)
                    .u8(RT_TABLE_MAIN).u8(protocol).u8(scope).u8(route.type().code).u32(0)
                    .attribute(RTA_DST, route.destination().getAddress());
            if (index != 0) {
                writer.attribute(RTA_OIF, index);
            }
        });
    }

    /** The main table's routes with the protocol number, IPv4 and IPv6; a route to an interface named by its device. */
    public List<Route> routes(int protocol) {
        return observed(channel -> {
            List<Route> routes = new ArrayList<>();
            Map<Integer, String> names = new HashMap<>();
            for (int family : List.of(AF_INET, AF_INET6)) {
                for (NetlinkMessage message : channel.dump(RTM_GETROUTE,
                        writer -> writer.u8(family).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0).u32(0))) {
                    Route route = route(message, protocol, names);
                    if (route != null) {
                        routes.add(route);
                    }
                }
            }
            return routes;
        }, dump -> false);
    }

    /** The route, or null for one of another table or protocol, a cached clone, or one whose interface just went. */
    private static Route route(NetlinkMessage message, int protocol, Map<Integer, String> names) {
        if (message.type() != RTM_NEWROUTE) {
            return null;
        }
        var body = message.body();
        int family = Byte.toUnsignedInt(body.get(0));
        Map<Integer, byte[]> attributes = message.attributes(RTMSG);
        int table = attributes.containsKey(RTA_TABLE) ? NetlinkMessage.u32(attributes.get(RTA_TABLE))
                : Byte.toUnsignedInt(body.get(4));
        if (table != RT_TABLE_MAIN || Byte.toUnsignedInt(body.get(5)) != protocol || (body.getInt(8) & RTM_F_CLONED) != 0) {
            return null;
        }
        byte[] destination = attributes.getOrDefault(RTA_DST, new byte[family == AF_INET ? 4 : 16]);
        Type type = Type.of(Byte.toUnsignedInt(body.get(7)));
        String device = null;
        if (type == Type.UNICAST) {
            byte[] oif = attributes.get(RTA_OIF);
            device = oif == null ? null : names.computeIfAbsent(NetlinkMessage.u32(oif), NetlinkSocket::name);
            if (device == null) {
                return null;
            }
        }
        try {
            return new Route(InetAddress.getByAddress(destination), Byte.toUnsignedInt(body.get(1)), type, device);
        } catch (UnknownHostException e) {
            throw new KernelException("rtnetlink: a route's destination of " + destination.length + " bytes");
        }
    }

    /**
     * Every link of the namespace by name: whether it is administratively up, and its IPv4 and IPv6 per-interface
     * settings ({@link Link}). Asked without statistics (as {@code ip link show} asks): a veth's message is then a third
     * of its size, with no per-CPU counters summed for it, and of each message only the name, the flags and the two
     * settings' arrays are read, not every attribute copied (a cold start dumps thousands of links).
     */
    public Map<String, Link> links() {
        return observed(Rtnetlink::links, dump -> false);
    }

    private static Map<String, Link> links(NetlinkChannel channel) {
        Map<String, Link> links = new LinkedHashMap<>();
        for (NetlinkMessage message : channel.dump(RTM_GETLINK,
                writer -> writer.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0)
                        .attribute(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))) {
            byte[] name = message.type() == RTM_NEWLINK ? message.attribute(IFINFOMSG, IFLA_IFNAME) : null;
            if (name != null) {
                links.put(NetlinkMessage.string(name), new Link((message.body().getInt(8) & IFF_UP) != 0,
                        Link.conf(message.attribute(IFINFOMSG, IFLA_AF_SPEC, AF_INET, IFLA_INET_CONF)),
                        Link.conf(message.attribute(IFINFOMSG, IFLA_AF_SPEC, AF_INET6, IFLA_INET6_CONF))));
            }
        }
        return links;
    }

    /** What {@link #settingsThenLinks} did: the settings' outcome as {@link ProcSys#write(Map, Set)}'s, and the links. */
    public record SettingsAndDump(ProcSys.Outcome settings, Map<String, Link> links) {
    }

    /**
     * The /proc/sys settings written as {@link ProcSys#write(Map)} writes them (each read first), then {@link #links}, in
     * one piece of work on this object's thread: a cold batch's host-wide settings and its links dump, one hand-over
     * instead of two (to the procsys thread and then this one, each a wait for a core at load). The dump comes after
     * the settings, so it shows what they turned on: ip_forward turns every interface's forwarding on. Counted for the
     * observer as a run of procsys and one of rtnetlink, each as it would have been on its own.
     *
     * @throws Interrupted when the work did not finish in time: which settings took effect is unknown
     */
    public SettingsAndDump settingsThenLinks(Map<String, String> valuesByPath) {
        SettingsAndDump done = observed(channel -> new SettingsAndDump(ProcSys.writeHere(valuesByPath, Set.of()), links(channel)),
                dump -> false);
        observer.accept(ProcSys.TOOL, done.settings().refused().isEmpty());
        return done;
    }

    /**
     * The names of the links that hold an IPv4 address or an IPv6 address wider than the link: the host's own (its
     * uplink, the loopback, a bridge). The host side of an endpoint's veth holds none (an IPv6 link-local alone).
     */
    public Set<String> addressedLinks() {
        return observed(channel -> {
            Set<String> addressed = new TreeSet<>();
            Map<Integer, String> names = new HashMap<>();
            for (NetlinkMessage message : channel.dump(RTM_GETADDR, writer -> writer.u8(AF_UNSPEC).u8(0).u8(0).u8(0).u32(0))) {
                if (message.type() != RTM_NEWADDR) {
                    continue;
                }
                var body = message.body();
                int family = Byte.toUnsignedInt(body.get(0));
                if (family == AF_INET || family == AF_INET6 && Byte.toUnsignedInt(body.get(3)) != RT_SCOPE_LINK) {
                    String name = names.computeIfAbsent(body.getInt(4), NetlinkSocket::name);
                    if (name != null) {
                        addressed.add(name);
                    }
                }
            }
            return addressed;
        }, dump -> false);
    }

    /**
     * Sets the links up, named by name (the kernel looks each up itself); returns the refused ones' errors by index
     * into names ("No such device").
     *
     * @throws Interrupted when the batch's answers were lost: which links are up is unknown
     */
    public Map<Integer, String> linksUp(List<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        return observed(channel -> channel.send(names.stream().map(Rtnetlink::upByName).toList()),
                refusals -> !refusals.isEmpty());
    }

    /**
     * What {@link #settingsThenLinksUp} did: the settings' outcome as {@link ProcSys#write(Map, Set)}'s, and the links
     * refused, by index into the names, as {@link #linksUp}'s.
     */
    public record SettingsAndLinks(ProcSys.Outcome settings, Map<Integer, String> refusedLinks) {
    }

    /**
     * The /proc/sys settings written as {@link ProcSys#write(Map, Set)} writes them, then the links set up as {@link
     * #linksUp} does, in one piece of work on this object's thread (in this namespace, where the settings' files are
     * opened too): a link's settings are in place before it comes up (no duplicate address detection on its IPv6
     * gateway address), and the two are one hand-over to a thread that must be woken and get a core, not two. An add's
     * interfaces step ran under a millisecond on a core and waited for one 4-75 ms at load 10, its procsys thread
     * first, then this one (docs/dataplane.md, session 55 (p-cold)). Counted for the observer as a run of procsys and
     * one of rtnetlink, each as it would have been on its own.
     *
     * @throws Interrupted when the work did not finish in time: which settings and links took effect is unknown
     */
    public SettingsAndLinks settingsThenLinksUp(Map<String, String> valuesByPath, Set<String> differing,
                                                List<String> names) {
        if (names.isEmpty() && valuesByPath.isEmpty()) {
            return new SettingsAndLinks(new ProcSys.Outcome(Set.of(), Map.of()), Map.of());
        }
        // counted under the links' tool when there are links, as linksUp is, and the settings besides; else as procsys
        SettingsAndLinks done = thread.observed(channel -> {
            ProcSys.Outcome settings = ProcSys.writeHere(valuesByPath, differing);
            return new SettingsAndLinks(settings, names.isEmpty() ? Map.of()
                    : channel.send(names.stream().map(Rtnetlink::upByName).toList()));
        }, both -> names.isEmpty() ? !both.settings().refused().isEmpty() : !both.refusedLinks().isEmpty(),
                names.isEmpty() ? ProcSys.TOOL : TOOL, observer);
        if (!names.isEmpty() && !valuesByPath.isEmpty()) {
            observer.accept(ProcSys.TOOL, done.settings().refused().isEmpty());
        }
        return done;
    }

    /** As {@code ip link set dev NAME up}: the kernel looks the link up by its name. */
    private static NetlinkChannel.Request upByName(String name) {
        return new NetlinkChannel.Request(RTM_NEWLINK, 0,
                writer -> writer.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(IFF_UP).u32(IFF_UP).attribute(IFLA_IFNAME, name));
    }

    /** As {@code ip address add ADDRESS/PREFIX dev DEVICE [nodad]}, the device by its index. */
    private static NetlinkChannel.Request addressRequest(int index, byte[] address, int prefixLength, boolean nodad) {
        int flags = nodad ? IFA_F_NODAD : 0;
        return new NetlinkChannel.Request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, writer -> writer
                .u8(address.length == 16 ? AF_INET6 : AF_INET).u8(prefixLength).u8(flags).u8(RT_SCOPE_UNIVERSE).u32(index)
                .attribute(IFA_LOCAL, address).attribute(IFA_ADDRESS, address).attribute(IFA_FLAGS, flags));
    }

    /**
     * A veth pair to make: the host side {@code host} with {@code hostMac}; the peer with {@code peerMac}, in the
     * namespace at {@code peerNamespace} (null: this one); and, when {@code ipv6Gateway} is given, that address (/64,
     * no duplicate address detection) on the host side in place of a generated link-local one.
     */
    public record Veth(String host, byte[] hostMac, String peer, byte[] peerMac, String peerNamespace, byte[] ipv6Gateway) {
    }

    /** What refused a veth pair: the step ("link add", "addrgenmode", "address add", "link set up") and the kernel's words. */
    public record Refusal(String step, String error) {
        public boolean first() {
            return step.equals(CREATE_STEP);
        }
    }

    private static final String CREATE_STEP = "link add";

    /**
     * Makes the pair as {@code ip link add H address M type veth peer name P address M2 netns NS}, then, if IPv6, sets
     * the host side's address generation to none and adds the gateway address nodad, and brings the host side up; the
     * second part goes out as one sendmsg once the first was acked (an address needs the new link's index). All or
     * nothing: when a step after the first is refused, the pair is deleted again.
     *
     * @return null when made, else what refused it
     * @throws Interrupted when the answers were lost: whether the pair exists is unknown
     */
    public Refusal createVeth(Veth veth) {
        return observed(channel -> {
            int namespace = veth.peerNamespace() == null ? -1 : ThreadNamespace.open(veth.peerNamespace());
            Map<Integer, String> refused;
            try {
                refused = channel.send(List.of(vethRequest(veth, namespace)));
            } finally {
                if (namespace >= 0) {
                    ThreadNamespace.close(namespace);
                }
            }
            if (!refused.isEmpty()) {
                return new Refusal(CREATE_STEP, refused.get(0));
            }
            int index = NetlinkSocket.index(veth.host());
            List<String> steps = new ArrayList<>();
            List<NetlinkChannel.Request> requests = new ArrayList<>();
            if (veth.ipv6Gateway() != null) {
                steps.add("addrgenmode");
                requests.add(new NetlinkChannel.Request(RTM_NEWLINK, 0, writer -> {
                    writer.u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(0).u32(0);
                    writer.nest(IFLA_AF_SPEC).nest(AF_INET6).attribute(IFLA_INET6_ADDR_GEN_MODE, new byte[] {IN6_ADDR_GEN_MODE_NONE})
                            .endNest().endNest();
                }));
                steps.add("address add");
                requests.add(addressRequest(index, veth.ipv6Gateway(), 64, true));
            }
            steps.add("link set up");
            requests.add(new NetlinkChannel.Request(RTM_NEWLINK, 0,
                    writer -> writer.u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(IFF_UP).u32(IFF_UP)));
            refused = channel.send(requests);
            if (refused.isEmpty()) {
                return null;
            }
            int step = refused.keySet().stream().min(Integer::compare).orElseThrow();
            Map<Integer, String> undone = channel.send(List.of(deletion(veth.host())));
            return new Refusal(steps.get(step), refused.get(step)
                    + (undone.isEmpty() ? "" : " (and the pair could not be deleted again: " + undone.get(0) + ")"));
        }, refusal -> refusal != null);
    }

    private static NetlinkChannel.Request vethRequest(Veth veth, int namespace) {
        return new NetlinkChannel.Request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, writer -> {
            writer.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0)
                    .attribute(IFLA_IFNAME, veth.host()).attribute(IFLA_ADDRESS, veth.hostMac())
                    .nest(IFLA_LINKINFO).attribute(IFLA_INFO_KIND, "veth").nest(IFLA_INFO_DATA).nest(VETH_INFO_PEER)
                    .u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0)
                    .attribute(IFLA_IFNAME, veth.peer()).attribute(IFLA_ADDRESS, veth.peerMac());
            if (namespace >= 0) {
                writer.attribute(IFLA_NET_NS_FD, namespace);
            }
            writer.endNest().endNest().endNest();
        });
    }

    private static NetlinkChannel.Request deletion(String name) {
        return new NetlinkChannel.Request(RTM_DELLINK, 0,
                writer -> writer.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0).attribute(IFLA_IFNAME, name));
    }

    /**
     * Deletes the link (a veth: both its ends) as {@code ip link del dev NAME}.
     *
     * @return null when deleted, else the kernel's words ("No such device" when there is none by that name)
     */
    public String deleteLink(String name) {
        return observed(channel -> channel.send(List.of(deletion(name))).get(0), error -> error != null);
    }

    /** An address with its prefix length, as a link holds it. */
    public record LinkAddress(byte[] address, int prefixLength) {
    }

    /**
     * A container's end of a pair, to configure from inside its namespace: the device's addresses, and the gateways of
     * its default routes (IPv4: reached on the link itself; null: no default route of that family).
     */
    public record Inside(String device, List<LinkAddress> addresses, byte[] ipv4Gateway, byte[] ipv6Gateway) {
    }

    /**
     * In the network namespace at {@code namespace}, as {@code sysctl -w net/ipv6/conf/DEV/disable_ipv6=0} (when an
     * address is IPv6: a runtime may have turned IPv6 off for new interfaces there) then {@code ip -batch} of: lo and
     * the device up, the addresses (IPv6 ones nodad: unique by allocation, usable at once), for IPv4 a link route to
     * the gateway and a default route via it, for IPv6 a default route via its gateway. A thread of its own enters the
     * namespace for this alone and ends with it, so nothing of this process keeps the container's namespace alive.
     *
     * @return null when done, else the first refused step and the kernel's words (the steps after it were still
     *         tried: the caller deletes the device, and with it all they made)
     * @throws Interrupted when the answers were lost: what took effect is unknown
     */
    public Refusal configureInside(String namespace, Inside inside) {
        NamespaceThread<NetlinkChannel> there = channelThread(namespace, timeoutSeconds);
        try {
            return observed(there, channel -> {
                boolean ipv6 = inside.addresses().stream().anyMatch(address -> address.address().length == 16);
                if (ipv6) {
                    String refused = enableIpv6(inside.device());
                    if (refused != null) {
                        return new Refusal("sysctl disable_ipv6=0", refused);
                    }
                }
                int index = NetlinkSocket.index(inside.device());
                if (index == 0) {
                    return new Refusal("link set up", "Cannot find device \"" + inside.device() + "\"");
                }
                List<String> steps = new ArrayList<>();
                List<NetlinkChannel.Request> requests = new ArrayList<>();
                for (String link : List.of("lo", inside.device())) {
                    steps.add("link set dev " + link + " up");
                    requests.add(upByName(link));
                }
                for (LinkAddress address : inside.addresses()) {
                    steps.add("address add " + literal(address.address()) + "/" + address.prefixLength());
                    // IPv6 nodad: unique by allocation, and usable the moment the command returns
                    requests.add(addressRequest(index, address.address(), address.prefixLength(), address.address().length == 16));
                }
                if (inside.ipv4Gateway() != null) {
                    steps.add("route add " + literal(inside.ipv4Gateway()) + "/32 scope link");
                    requests.add(gatewayRoute(AF_INET, inside.ipv4Gateway(), null, index));
                    steps.add("route add default via " + literal(inside.ipv4Gateway()));
                    requests.add(gatewayRoute(AF_INET, null, inside.ipv4Gateway(), index));
                }
                if (inside.ipv6Gateway() != null) {
                    steps.add("route add default via " + literal(inside.ipv6Gateway()));
                    requests.add(gatewayRoute(AF_INET6, null, inside.ipv6Gateway(), index));
                }
                Map<Integer, String> refused = channel.send(requests);
                int step = refused.keySet().stream().min(Integer::compare).orElse(-1);
                return step < 0 ? null : new Refusal(steps.get(step), refused.get(step));
            }, refusal -> refusal != null);
        } finally {
            there.close();
        }
    }

    /** A route as ip adds it: to {@code destination} (a /32 on the link) or, when null, the default one via {@code gateway}. */
    private static NetlinkChannel.Request gatewayRoute(int family, byte[] destination, byte[] gateway, int index) {
        return new NetlinkChannel.Request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, writer -> {
            writer.u8(family).u8(destination == null ? 0 : destination.length * 8).u8(0).u8(0)
                    .u8(RT_TABLE_MAIN).u8(RTPROT_BOOT).u8(gateway == null && family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE)
                    .u8(Type.UNICAST.code).u32(0);
            if (destination != null) {
                writer.attribute(RTA_DST, destination);
            }
            if (gateway != null) {
                writer.attribute(RTA_GATEWAY, gateway);
            }
            writer.attribute(RTA_OIF, index);
        });
    }

    /** On a thread inside the namespace, whose /proc/sys/net is that namespace's: null when done, else why not. */
    private static String enableIpv6(String device) {
        try {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf", device, "disable_ipv6"), "0");
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static String literal(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address of " + address.length + " bytes", e);
        }
    }

    /** What {@link #passing} tells of a link. */
    public enum Passing {
        /** Its operational state is up: it passes packets. */
        PASSES,
        /** Not passing, and its peer (a veth's other end), if it has one, is in the same namespace. */
        NOT_YET_PEER_HERE,
        /** Not passing, and its peer is in another network namespace: a runtime has moved it into a container. */
        NOT_YET_PEER_AWAY
    }

    /**
     * Whether the link passes packets: its operational state is up. The kernel's link watch sets that after the carrier
     * came on, and in the same step gives the link's transmit queues their qdisc; until then every packet sent on the
     * link is dropped, ARP's questions too. Asked of one link by name, the kernel (since 6.8) runs the link watch for
     * it before it answers, so that what it reports is what the link does.
     *
     * @throws KernelException when there is no such link ("No such device")
     */
    public boolean passesPackets(String name) {
        return passing(name) == Passing.PASSES;
    }

    /**
     * {@link #passesPackets}, and when the link does not pass yet, whether its peer is in another namespace (the
     * answer carries the peer's namespace id then), in the same one question.
     *
     * @throws KernelException when there is no such link ("No such device")
     */
    public Passing passing(String name) {
        return thread.run(channel -> {
            for (NetlinkMessage message : channel.query(RTM_GETLINK, writer -> writer.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0)
                    .u32(0).attribute(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).attribute(IFLA_IFNAME, name))) {
                byte[] state = message.type() == RTM_NEWLINK ? message.attribute(IFINFOMSG, IFLA_OPERSTATE) : null;
                if (state != null) {
                    return state[0] == IF_OPER_UP ? Passing.PASSES
                            : message.attribute(IFINFOMSG, IFLA_LINK_NETNSID) != null ? Passing.NOT_YET_PEER_AWAY : Passing.NOT_YET_PEER_HERE;
                }
            }
            return Passing.NOT_YET_PEER_HERE;
        });
    }

    /** Whether the namespace has a link by that name. */
    public boolean hasLink(String name) {
        return thread.run(channel -> NetlinkSocket.index(name) != 0);
    }

    /** For tests: the socket of the next batch is closed after {@code requests} of its requests were sent. */
    public void closeMidBatch(int requests) {
        thread.run(channel -> {
            channel.closeAfter(requests);
            return null;
        });
    }

    /** A dump counts as a run that went well; a batch, as ip's did, only when the kernel refused none of it. */
    /** The work, counted for the observer as a run that went well unless the kernel refused some of it. */
    private <T> T observed(Function<NetlinkChannel, T> work, Predicate<T> refused) {
        return observed(thread, work, refused);
    }

    private <T> T observed(NamespaceThread<NetlinkChannel> on, Function<NetlinkChannel, T> work, Predicate<T> refused) {
        return on.observed(work, refused, TOOL, observer);
    }

    /** A batch or dump whose answers were lost: which of its requests took effect is unknown. */
    public static final class Interrupted extends KernelException {
        Interrupted(String message) {
            super(message);
        }
    }
}
