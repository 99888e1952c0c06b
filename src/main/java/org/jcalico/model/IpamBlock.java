package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.math.BigInteger;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A block of a pool, claimed by one node (its affinity), with the addresses handed out from it: allocations maps
 * an address's offset in the block to the handle (normally the endpoint id) that holds it.
 */
public record IpamBlock(Cidr cidr, String affinity, Map<Integer, String> allocations) implements Resource {
    public static final String KIND = "IPAMBlock";

    public IpamBlock {
        if (cidr == null) {
            throw new ValidationException("cidr: missing");
        }
        if (affinity != null) {
            Names.check("affinity", affinity);
        }
        TreeMap<Integer, String> sorted = new TreeMap<>(allocations == null ? Map.of() : allocations);
        BigInteger size = cidr.size();
        sorted.forEach((offset, handle) -> {
            if (handle == null) {
                throw new ValidationException("allocations." + offset + ": missing");
            }
            Names.checkText("allocations." + offset, handle);
        });
        for (Integer offset : sorted.keySet()) {
            if (offset < 0 || BigInteger.valueOf(offset).compareTo(size) >= 0) {
                throw ValidationException.field("allocations", offset, "is not an offset inside " + cidr);
            }
        }
        allocations = Collections.unmodifiableSortedMap(sorted);
    }

    public int capacity() {
        return cidr.size().intValueExact();
    }

    public int free() {
        return capacity() - allocations.size();
    }

    /** The lowest free offset, or -1 when the block is full. */
    public int firstFreeOffset() {
        int expected = 0;
        for (int used : allocations.keySet()) {
            if (used != expected) {
                return expected;
            }
            expected++;
        }
        return expected < capacity() ? expected : -1;
    }

    public String holderOf(IpAddress address) {
        return allocations.get(cidr.offsetOf(address).intValueExact());
    }

    public IpamBlock withAllocation(IpAddress address, String handle) {
        TreeMap<Integer, String> next = new TreeMap<>(allocations);
        next.put(cidr.offsetOf(address).intValueExact(), handle);
        return new IpamBlock(cidr, affinity, next);
    }

    public IpamBlock withoutAllocation(IpAddress address) {
        TreeMap<Integer, String> next = new TreeMap<>(allocations);
        next.remove(cidr.offsetOf(address).intValueExact());
        return new IpamBlock(cidr, affinity, next);
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
}
