package org.jcalico.felix.dataplane.routes;

import java.util.BitSet;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.util.PersistentSortedMap;

/**
 * Whether an address is in one of a node's blocks (its routes' unreachable and blackhole routes), looked up by the
 * prefixes of the address, no route walked. The prefix lengths at which blocks were found before are looked at first:
 * a node's blocks share one size per family (26 and 122 by default), so an address in a block costs one or two
 * lookups instead of one pair per prefix from its own length down (six pairs for a /26, and a cold pass asks for
 * each of its thousands of endpoints, twice). Only the order of the lookups changes, not the answer: a miss at the
 * lengths seen walks every prefix as before. Used by one thread at a time.
 */
final class BlockLengths {
    /** Prefix lengths of blocks found, IPv4 at their length, IPv6 at 128 plus theirs. */
    private final BitSet seen = new BitSet(2 * 129);

    boolean inBlock(IpAddress address, PersistentSortedMap<RouteSpec, Object> desired) {
        int offset = address.bits() == 32 ? 0 : 129;
        for (int prefix = seen.nextSetBit(offset); prefix >= 0 && prefix < offset + address.bits(); prefix = seen.nextSetBit(prefix + 1)) {
            if (block(address, prefix - offset, desired)) {
                return true;
            }
        }
        for (int prefix = address.bits() - 1; prefix >= 0; prefix--) {
            if (!seen.get(offset + prefix) && block(address, prefix, desired)) {
                seen.set(offset + prefix);
                return true;
            }
        }
        return false;
    }

    private static boolean block(IpAddress address, int prefix, PersistentSortedMap<RouteSpec, Object> desired) {
        Cidr block = Cidr.containing(address, prefix);
        return desired.containsKey(new RouteSpec(block, RouteSpec.Type.UNREACHABLE, null))
                || desired.containsKey(new RouteSpec(block, RouteSpec.Type.BLACKHOLE, null));
    }
}
