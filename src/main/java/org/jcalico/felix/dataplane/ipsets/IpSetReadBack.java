package org.jcalico.felix.dataplane.ipsets;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.calc.IpSetMembers;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.kernel.IpSetNetlink;
import org.jcalico.model.IpAddress;
import org.jcalico.util.Ipv4Member;

/**
 * The jc- sets of the kernel read back over ipset's netlink protocol ({@link IpSetNetlink#list}), members in the
 * canonical form IpSetSpec uses, each made as its element arrives.
 *
 * <p>Every resync reads the sets back (every 10 s by default), and on a node of a big cluster they hold a member for
 * every endpoint of the cluster. A set that KNOWN (calc's sets, which the driver holds anyway) has under its name, of
 * the same type and family, is compared as it is read: each member is looked up in KNOWN's (by its code in a set of
 * codes, else by its text) and dropped, and the set is KNOWN's object when every member was there and none is missing. So a resync that finds nothing changed
 * keeps no copy of the kernel's members, nor text of the whole listing (`ipset save`'s 3.5 MB at 100,000 members, its
 * string and its 100,000 member strings were promoted by the young collections of the read: docs/agent.md, "Memory",
 * sessions 59 and 60). A set that differs (a member removed or added by hand) is read again, it alone with its members
 * kept, in a second listing ({@link #read}): drift is rare, and the comparison keeps nothing to rebuild it from.
 */
final class IpSetReadBack implements IpSetNetlink.Listing {
    private final Map<String, IpSetSpec> known;
    /** The sets whose members are kept (null: every set KNOWN has no equal of). */
    private final Set<String> kept;
    private final Map<String, Integer> versions = new HashMap<>();
    private final Map<String, IpSetSpec.Type> types = new HashMap<>();
    private final Map<String, Integer> sizes = new HashMap<>();
    private final Set<String> misfits = new HashSet<>();
    /** The members of the sets kept. */
    private final Map<String, Set<String>> members = new HashMap<>();
    /** How many members of each set compared with KNOWN's were found in it so far; a set that differs leaves. */
    private final Map<String, int[]> matched = new HashMap<>();
    /** The sets compared with KNOWN's that differ from it. */
    private final Set<String> drifted = new HashSet<>();

    private IpSetReadBack(Map<String, IpSetSpec> known, Set<String> kept) {
        this.known = known;
        this.kept = kept;
    }

    /** The kernel's jc- sets, each that holds what KNOWN's set of its name holds read as KNOWN's. */
    static IpSetSnapshot read(IpSetNetlink kernel, Map<String, IpSetSpec> known) {
        IpSetReadBack[] listed = new IpSetReadBack[1];
        kernel.list(() -> listed[0] = new IpSetReadBack(known, null));
        IpSetReadBack first = listed[0];
        Set<String> again = first.drifted();
        if (again.isEmpty()) {
            return first.snapshot(null);
        }
        kernel.list(() -> listed[0] = new IpSetReadBack(Map.of(), again));
        return first.snapshot(listed[0]);
    }

    @Override
    public void set(String name, String type, int version, int maxElements) {
        if (!name.startsWith(HostState.OWNED_PREFIX) || (kept != null && !kept.contains(name))) {
            return;
        }
        IpSetSpec.Type ours = IpSetSpec.Type.ofKernelName(type);
        if (ours == null || version == 0) {
            misfits.add(name);
            return;
        }
        versions.put(name, version);
        types.put(name, ours);
        if (maxElements < IpSetPlanner.MAX_ELEMENTS) {
            // only these: a snapshot carries its sizes through every change's fill
            sizes.put(name, maxElements);
        }
        IpSetSpec wanted = known.get(name);
        if (kept == null && wanted != null && wanted.type() == ours && wanted.version() == version) {
            matched.put(name, new int[1]);
        } else {
            members.put(name, new HashSet<>());
        }
    }

    @Override
    public void member(String set, byte[] address, int cidr, String protocol, int port) {
        int[] found = matched.get(set);
        Set<String> into = found == null ? members.get(set) : null;
        if (found == null && into == null) {
            return;
        }
        if (found != null) {
            if (isMember(known.get(set).members(), types.get(set), address, cidr, protocol, port)) {
                found[0]++;
            } else {
                matched.remove(set);
                drifted.add(set);
            }
            return;
        }
        String member = text(types.get(set), address, cidr, protocol, port);
        if (member != null) {
            into.add(member);
        } else {
            // an element jcalico never writes (a flag-less reading of it would be another member): made again whole
            forget(set);
            misfits.add(set);
        }
    }

    /**
     * Whether the kernel's member (as {@link #member} takes it) is one of KNOWN, a set of TYPE: by its code in a set of
     * codes (calc's IPv4 sets: {@link MemberSet#ofCodes}), else by its text. A resync reads back every member of every
     * set, 100,000 and more on a node of a big cluster, and a text made of each to be parsed again by the set of codes
     * was most of the read-back's own work.
     */
    static boolean isMember(Set<String> known, IpSetSpec.Type type, byte[] address, int cidr, String protocol, int port) {
        if (known instanceof MemberSet codes && codes.hasCodes() && address.length == 4) {
            return codes.containsCode(code(type, address, cidr, protocol, port));
        }
        String member = text(type, address, cidr, protocol, port);
        return member != null && known.contains(member);
    }

    /** An IPv4 member's code ({@link Ipv4Member}), the very member {@link #text} writes, or -1 where it writes none. */
    private static long code(IpSetSpec.Type type, byte[] address, int cidr, String protocol, int port) {
        int ipv4 = (address[0] & 0xff) << 24 | (address[1] & 0xff) << 16 | (address[2] & 0xff) << 8 | address[3] & 0xff;
        if (type == IpSetSpec.Type.NET) {
            return cidr > 0 && cidr <= 32 && protocol == null ? Ipv4Member.net(ipv4, cidr) : -1;
        }
        return protocol != null && port >= 0 ? Ipv4Member.addressAndPort(ipv4, protocol, port) : -1;
    }

    /** The member's text as IpSetSpec holds it, or null for an element that is not a member of a set of TYPE. */
    private static String text(IpSetSpec.Type type, byte[] address, int cidr, String protocol, int port) {
        if (address.length == 0) {
            return null;
        }
        if (type == IpSetSpec.Type.NET) {
            return cidr > 0 && cidr <= address.length * 8 && protocol == null
                    ? IpSetMembers.net(IpAddress.ofBytes(address), cidr) : null;
        }
        return protocol != null && port >= 0 ? IpSetMembers.addressAndPort(IpAddress.ofBytes(address), protocol, port)
                : null;
    }

    private void forget(String set) {
        versions.remove(set);
        types.remove(set);
        sizes.remove(set);
        members.remove(set);
    }

    /** Once the listing ended: the sets compared with KNOWN's that differ from it, to be read again. */
    private Set<String> drifted() {
        matched.forEach((name, count) -> {
            if (count[0] != known.get(name).members().size()) {
                // every member read was calc's, but calc's has more
                drifted.add(name);
            }
        });
        matched.keySet().removeAll(drifted);
        return Set.copyOf(drifted);
    }

    /** What was read, the drifted sets as AGAIN read them (null: none drifted). */
    private IpSetSnapshot snapshot(IpSetReadBack again) {
        Map<String, IpSetSpec> sets = new HashMap<>();
        matched.forEach((name, count) -> sets.put(name, known.get(name)));
        members.forEach((name, read) -> sets.put(name, new IpSetSpec(name, types.get(name), versions.get(name), read)));
        Map<String, Integer> maxElements = new HashMap<>(sizes);
        Set<String> odd = new HashSet<>(misfits);
        if (again != null) {
            sets.keySet().removeAll(drifted);
            maxElements.keySet().removeAll(drifted);
            IpSetSnapshot reread = again.snapshot(null);
            // a set read again is as the second listing found it, or gone
            sets.putAll(reread.sets());
            maxElements.putAll(reread.maxElements());
            odd.addAll(reread.misfits());
        }
        return new IpSetSnapshot(sets, odd, maxElements);
    }
}
