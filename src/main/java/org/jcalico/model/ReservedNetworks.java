package org.jcalico.model;

import java.util.List;
import java.util.Optional;

/**
 * Address ranges with a fixed meaning that endpoints and BGP speakers cannot use: a pool over one of them would hand
 * endpoints addresses the host or the network treats specially (169.254.1.1 is every endpoint's gateway), and a BGP
 * neighbour or node address in one of them is one BIRD cannot reach or refuses.
 */
public final class ReservedNetworks {
    /** One reserved range and what it is for, as the error message names it. */
    public record Range(Cidr cidr, String purpose) {
    }

    private static final List<Range> RANGES = List.of(
            range("0.0.0.0/8", "'this network' and the unspecified address"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local, which holds the endpoints' gateway"),
            range("224.0.0.0/4", "multicast"),
            range("240.0.0.0/4", "reserved, with the broadcast address"),
            range("::/8", "reserved, with the unspecified, loopback and IPv4-mapped addresses"),
            range("fe80::/10", "link-local"),
            range("ff00::/8", "multicast"));

    private ReservedNetworks() {
    }

    private static Range range(String cidr, String purpose) {
        return new Range(Cidr.parse(cidr), purpose);
    }

    /** The first reserved range that the network overlaps (contains, or lies in). */
    public static Optional<Range> overlapping(Cidr network) {
        return RANGES.stream().filter(range -> range.cidr().overlaps(network)).findFirst();
    }

    /**
     * NETWORK as given; fails, naming FIELD and the range, when it overlaps a reserved one: a pool there would hand
     * endpoints such addresses, and an endpoint's record claiming one (0.0.0.0/0, a multicast group, the loopback)
     * would put it in every set that selects the endpoint, matching everyone it covers (docs/policy.md, "Session 50
     * (t-win)"). A loop, not a stream: it runs for each net of every endpoint record an agent reads.
     */
    public static Cidr checkForEndpoints(String field, Cidr network) {
        for (Range range : RANGES) {
            if (range.cidr().overlaps(network)) {
                throw ValidationException.field(field, network, "overlaps " + range.cidr() + " (" + range.purpose()
                        + "), which endpoints cannot use");
            }
        }
        return network;
    }

    /** Fails unless the address is one a host or BGP speaker can have. */
    public static IpAddress checkUsable(String field, IpAddress address) {
        Optional<Range> reserved = overlapping(Cidr.host(address));
        if (reserved.isPresent()) {
            throw ValidationException.field(field, address, "is in " + reserved.get().cidr() + " ("
                    + reserved.get().purpose() + "), which cannot be a BGP or node address");
        }
        return address;
    }
}
