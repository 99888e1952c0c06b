package org.jcalico.felix.program;

import java.util.List;
import org.jcalico.model.Cidr;
import org.jcalico.model.IcmpMatch;
import org.jcalico.model.PortRange;
import org.jcalico.model.Protocol;

/** One test a packet must pass for a rule to match it. A rule's criteria are and-ed. */
public sealed interface Criterion {
    /** The packet's IP protocol is (or, negated, is not) this one. */
    record ProtocolIs(Protocol protocol, boolean negated) implements Criterion {
    }

    /** The source or destination address is (not) in this network. */
    record NetIs(Side side, Cidr net, boolean negated) implements Criterion {
    }

    /**
     * The source or destination address (with {@code withPort}: address, protocol and port, for a hash:ip,port set)
     * is (not) a member of the named set.
     */
    record InSet(Side side, String set, boolean withPort, boolean negated) implements Criterion {
    }

    /** The source or destination port is (not) one of these (needs a protocol with ports before it). */
    record PortsIn(Side side, List<PortRange> ranges, boolean negated) implements Criterion {
        public PortsIn {
            ranges = List.copyOf(ranges);
        }
    }

    /** The ICMP (ICMPv6 in IPv6) type, and code if given, are (not) these. */
    record IcmpIs(IcmpMatch icmp, boolean negated) implements Criterion {
    }

    /** The packet mark's bits under {@code mask} equal {@code value}. */
    record MarkIs(int value, int mask) implements Criterion {
    }

    /**
     * The packet arrived on (SOURCE) or leaves by (DESTINATION) this interface (negated: any other); a trailing '+'
     * matches a prefix.
     */
    record InterfaceIs(Side side, String name, boolean negated) implements Criterion {
        public InterfaceIs(Side side, String name) {
            this(side, name, false);
        }
    }

    /** Connection tracking puts the packet in one of these states (INVALID, NEW, RELATED, ESTABLISHED). */
    record ConntrackState(List<String> states) implements Criterion {
        public ConntrackState {
            states = List.copyOf(states);
        }
    }

    /** The packet travels in its connection's reply direction (sent by the side that did not open it). */
    record ConntrackReply() implements Criterion {
    }

    /**
     * The packet leaves through a socket that a process of a user other than root opened (by the socket's owner, the
     * opener's file system uid). Packets with no such socket never match: the kernel's own (its resets, ICMP errors,
     * neighbour discovery, a REJECT's answer) and those it forwards, IPVS's included.
     */
    record SentByNonRoot() implements Criterion {
    }

    /** The source address is (negated: is not) one of the host's own: the kernel routes it as local. */
    record SourceIsLocal(boolean negated) implements Criterion {
    }

    /**
     * At most {@code perSecond} packets a second after a burst of {@code burst}, counted per address of the side
     * {@code keyedBy} in the named bucket, which every rule naming it shares (per IP family).
     */
    record RateLimit(String bucket, Side keyedBy, int perSecond, int burst) implements Criterion {
    }
}
