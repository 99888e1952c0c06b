package org.jcalico.policy;

import org.jcalico.model.IpAddress;
import org.jcalico.model.Protocol;
import org.jcalico.model.ValidationException;

/**
 * One packet as policy sees it: addresses, protocol, ports (TCP, UDP, SCTP) or ICMP type and code. A source port
 * of null is unknown (a probe's is chosen by the kernel): a rule side that tests source ports does not match it.
 */
public record Packet(IpAddress source, IpAddress destination, Protocol protocol, Integer sourcePort,
                     Integer destinationPort, Integer icmpType, Integer icmpCode) {
    public Packet {
        if (source.version() != destination.version()) {
            throw new ValidationException("source " + source + " and destination " + destination + " are not of one IP family");
        }
        if (protocol.onlyVersion() != 0 && protocol.onlyVersion() != source.version()) {
            throw new ValidationException("protocol " + protocol + " does not exist in IPv" + source.version());
        }
        if (protocol.hasPorts() && destinationPort == null) {
            throw new ValidationException("a " + protocol + " packet needs a destination port");
        }
    }

    /** A TCP or UDP packet to a port from an unknown source port. */
    public static Packet toPort(IpAddress source, IpAddress destination, Protocol protocol, int port) {
        return new Packet(source, destination, protocol, null, port, null, null);
    }

    /** An ICMP (IPv4) or ICMPv6 echo request, as ping sends. */
    public static Packet echoRequest(IpAddress source, IpAddress destination) {
        boolean v4 = source.version() == 4;
        return new Packet(source, destination, Protocol.parse(v4 ? "icmp" : "icmpv6"), null, null, v4 ? 8 : 128, 0);
    }

    public int family() {
        return source.version();
    }

    @Override
    public String toString() {
        String what = protocol.hasPorts() ? protocol + "/" + destinationPort
                : icmpType != null ? protocol + " type " + icmpType + (icmpCode == null ? "" : " code " + icmpCode)
                : protocol.toString();
        return source + " -> " + destination + " " + what;
    }
}
