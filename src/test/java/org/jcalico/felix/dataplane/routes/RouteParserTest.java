package org.jcalico.felix.dataplane.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;
import org.junit.jupiter.api.Test;

class RouteParserTest {
    @Test
    void readsInterfaceBlackholeAndUnreachableRoutesOfBothFamilies() {
        String v4 = """
                [{"type":"blackhole","dst":"10.0.0.0/26","flags":[]},\
                {"type":"unreachable","dst":"10.2.0.0/26","flags":[]},\
                {"dst":"10.0.0.5","dev":"jcA","scope":"link","flags":["linkdown"]},\
                {"dst":"default","dev":"jcB","scope":"link","flags":[]},\
                {"type":"prohibit","dst":"10.3.0.0/16","flags":[]}]""";
        assertEquals(Set.of(new RouteSpec(Cidr.parse("10.0.0.0/26"), RouteSpec.Type.BLACKHOLE, null),
                        new RouteSpec(Cidr.parse("10.2.0.0/26"), RouteSpec.Type.UNREACHABLE, null),
                        RouteSpec.toInterface(Cidr.parse("10.0.0.5/32"), "jcA"),
                        RouteSpec.toInterface(Cidr.parse("0.0.0.0/0"), "jcB")),
                RouteParser.parse(v4, 4));
        String v6 = """
                [{"type":"blackhole","dst":"fd00::/64","dev":"lo","metric":1024,"flags":[],"pref":"medium"},\
                {"dst":"fd00::5","dev":"jcA","metric":1024,"flags":["linkdown"],"pref":"medium"}]""";
        assertEquals(Set.of(new RouteSpec(Cidr.parse("fd00::/64"), RouteSpec.Type.BLACKHOLE, null),
                RouteSpec.toInterface(Cidr.parse("fd00::5/128"), "jcA")), RouteParser.parse(v6, 6));
    }

    @Test
    void noRoutesIsAnEmptyArrayOrNothing() {
        assertEquals(Set.of(), RouteParser.parse("[]", 4));
        assertEquals(Set.of(), RouteParser.parse("\n", 6));
    }

    @Test
    void commandsAlwaysCarryTheProtocol() {
        assertEquals("route add 10.0.0.5/32 dev jcA proto 98 scope link",
                RouteCommands.add(RouteSpec.toInterface(Cidr.parse("10.0.0.5/32"), "jcA")));
        assertEquals("route del fd00::5/128 dev jcA proto 98",
                RouteCommands.delete(RouteSpec.toInterface(Cidr.parse("fd00::5/128"), "jcA")));
        assertEquals("route add unreachable fd00::/64 proto 98",
                RouteCommands.add(new RouteSpec(Cidr.parse("fd00::/64"), RouteSpec.Type.UNREACHABLE, null)));
        assertEquals("route del blackhole 10.0.0.0/26 proto 98",
                RouteCommands.delete(new RouteSpec(Cidr.parse("10.0.0.0/26"), RouteSpec.Type.BLACKHOLE, null)));
    }
}
