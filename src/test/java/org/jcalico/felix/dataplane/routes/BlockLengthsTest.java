package org.jcalico.felix.dataplane.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.util.PersistentSortedMap;
import org.junit.jupiter.api.Test;

class BlockLengthsTest {
    private static final PersistentSortedMap<RouteSpec, Object> ROUTES = PersistentSortedMap.byHashOf(Set.of(
            new RouteSpec(Cidr.parse("10.65.0.0/26"), RouteSpec.Type.UNREACHABLE, null),
            new RouteSpec(Cidr.parse("10.66.0.0/24"), RouteSpec.Type.BLACKHOLE, null),
            new RouteSpec(Cidr.parse("fd00:65::/122"), RouteSpec.Type.UNREACHABLE, null),
            new RouteSpec(Cidr.parse("10.65.0.1/32"), RouteSpec.Type.INTERFACE, "jc1"),
            new RouteSpec(Cidr.parse("10.67.0.0/26"), RouteSpec.Type.INTERFACE, "jc2")));

    /** The answer a walk of every prefix of the address gives, as the driver looked it up before. */
    private static boolean walked(IpAddress address) {
        for (int prefix = address.bits() - 1; prefix >= 0; prefix--) {
            Cidr block = Cidr.containing(address, prefix);
            if (ROUTES.containsKey(new RouteSpec(block, RouteSpec.Type.UNREACHABLE, null))
                    || ROUTES.containsKey(new RouteSpec(block, RouteSpec.Type.BLACKHOLE, null))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theLengthsSeenFirstChangeNoAnswerInAnyOrder() {
        List<String> addresses = List.of("10.65.0.5", "10.66.0.200", "10.65.0.70", "10.67.0.3", "fd00:65::3",
                "fd00:65::40", "10.65.0.1", "10.66.1.1", "fd00:66::1", "10.65.0.63");
        // every order of asking: the lengths learnt from one address must not hide another's block or invent one
        for (int start = 0; start < addresses.size(); start++) {
            BlockLengths lengths = new BlockLengths();
            for (int i = 0; i < addresses.size(); i++) {
                IpAddress address = IpAddress.parse(addresses.get((start + i) % addresses.size()));
                assertEquals(walked(address), lengths.inBlock(address, ROUTES), address.toString());
            }
        }
    }

    @Test
    void anInterfaceRouteIsNoBlockAndAnAddressOutsideEveryBlockIsLent() {
        BlockLengths lengths = new BlockLengths();
        assertEquals(true, lengths.inBlock(IpAddress.parse("10.65.0.9"), ROUTES));
        // 10.67.0.0/26 is a route to an interface, not a block: its addresses are lent ones
        assertEquals(false, lengths.inBlock(IpAddress.parse("10.67.0.9"), ROUTES));
        assertEquals(false, lengths.inBlock(IpAddress.parse("10.65.0.64"), ROUTES));
        assertEquals(true, lengths.inBlock(IpAddress.parse("10.66.0.64"), ROUTES));
        assertEquals(false, lengths.inBlock(IpAddress.parse("fd00:65::40"), ROUTES));
        assertEquals(true, lengths.inBlock(IpAddress.parse("fd00:65::3f"), ROUTES));
    }
}
