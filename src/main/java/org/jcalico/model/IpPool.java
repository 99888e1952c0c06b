package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A range endpoints take addresses from, carved into blocks of blockSize (default /26 for IPv4, /122 for IPv6)
 * that each belong to one node. natOutgoing masquerades traffic to destinations outside every pool. Pools are keyed
 * by their cidr; poolName is the free name Calico's API gives a pool (metadata.name), kept so that a pool can be
 * found by it too; absent, the API form shows {@link #apiName()}.
 */
public record IpPool(Cidr cidr, boolean natOutgoing, Integer blockSize, boolean disabled, String poolName)
        implements Resource {
    public static final String KIND = "IPPool";

    public IpPool(Cidr cidr, boolean natOutgoing, Integer blockSize, boolean disabled) {
        this(cidr, natOutgoing, blockSize, disabled, null);
    }

    public IpPool {
        if (poolName != null) {
            Names.check("poolName", poolName);
        }
        if (cidr == null) {
            throw new ValidationException("cidr: missing");
        }
        ReservedNetworks.checkForEndpoints("cidr", cidr);
        int v4 = cidr.version() == 4 ? 1 : 0;
        int min = v4 == 1 ? 20 : 116;
        int max = v4 == 1 ? 32 : 128;
        blockSize = blockSize == null ? Integer.valueOf(v4 == 1 ? 26 : 122) : blockSize;
        if (blockSize < min || blockSize > max) {
            throw ValidationException.field("blockSize", blockSize, "is out of range for IPv" + cidr.version() + " (" + min + "-" + max + ")");
        }
        if (blockSize < cidr.prefixLength()) {
            throw ValidationException.field("blockSize", blockSize, "is larger than the pool " + cidr);
        }
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return cidr.toString();
    }

    /** Its name in Calico's API: poolName, or one made from the cidr ("10.65.0.0-16"). */
    @JsonIgnore
    public String apiName() {
        return poolName != null ? poolName : derivedName(cidr.toString());
    }

    static String derivedName(String cidr) {
        return cidr.replace('/', '-').replace(':', '-');
    }
}
