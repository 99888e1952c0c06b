package org.jcalico.felix.dataplane.nftables;

import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.util.Ipv4Member;

/**
 * How the nftables driver declares one of calc's sets in the kernel, which follows from its members alone, so what
 * the kernel holds is known from the members last written.
 *
 * <p>A set of networks whose members are all single addresses (an endpoint's /32 or /128: what nearly every selector
 * and tag set holds) is a plain hash set, not an interval set: libnftables (nft 1.0.6, src/cache.c
 * {@code evaluate_cache_add}/{@code evaluate_cache_del}, {@code cache_init_objects}) reads every element of every
 * non-concatenated interval set of every table from the kernel before any transaction that adds or deletes an element
 * ({@code NFT_CACHE_SETELEM_MAYBE}), and no context flag turns that off; with a thousand such sets that read was most
 * of an endpoint's add. A set holding at least one wider network is an interval set that merges what overlaps, as
 * ipset's hash:net holds a network and an address inside it.
 */
enum SetKind {
    ADDRESSES,
    NETWORKS,
    ADDRESS_PORTS;

    static SetKind of(IpSetSpec set) {
        if (HostState.isHoldSet(set.name())) {
            // calc declares it empty; the driver puts in it whatever a mixed set's change moves, networks included
            return NETWORKS;
        }
        if (set.type() == IpSetSpec.Type.IP_PORT) {
            return ADDRESS_PORTS;
        }
        return hostsOnly(set.members()) ? ADDRESSES : NETWORKS;
    }

    /** What follows {@code type} in the set's declaration. */
    String declaration(int version) {
        String address = version == 4 ? "ipv4_addr" : "ipv6_addr";
        return switch (this) {
            case ADDRESSES -> address + ";";
            case NETWORKS -> address + "; flags interval; auto-merge;";
            case ADDRESS_PORTS -> address + " . inet_proto . inet_service;";
        };
    }

    /**
     * One member in nft's words: "10.0.0.5/32" (calc's form) is "10.0.0.5" in a set of addresses, which refuses a
     * prefix; "10.0.0.5,tcp:8080" (ipset's form) is the concatenation "10.0.0.5 . tcp . 8080".
     */
    String element(String member) {
        return switch (this) {
            case ADDRESSES -> member.substring(0, member.lastIndexOf('/'));
            case NETWORKS -> member;
            case ADDRESS_PORTS -> {
                int comma = member.lastIndexOf(',');
                int colon = member.lastIndexOf(':');
                yield member.substring(0, comma) + " . " + member.substring(comma + 1, colon) + " . "
                        + member.substring(colon + 1);
            }
        };
    }

    /** The same of an IPv4 member's code ({@link Ipv4Member}), with no text of calc's form made first. */
    String element(long code) {
        return switch (this) {
            case ADDRESSES -> Ipv4Member.addressText(Ipv4Member.address(code));
            case NETWORKS -> Ipv4Member.text(code);
            case ADDRESS_PORTS -> Ipv4Member.addressText(Ipv4Member.address(code)) + " . "
                    + Ipv4Member.protocolName(Ipv4Member.protocol(code)) + " . " + Ipv4Member.port(code);
        };
    }

    /**
     * Whether every member is one address of its family: counted as calc's sets change ({@link MemberSet#networks}),
     * since a walk of a selector set's members on each add that changes it grows with the cluster (1.3-2.1 ms a
     * family for a bench's 1,000-member tag set, session 46); other sets are walked.
     */
    private static boolean hostsOnly(Set<String> members) {
        return members instanceof MemberSet counted ? counted.networks() == 0 : members.stream().noneMatch(MemberSet::isNetwork);
    }
}
