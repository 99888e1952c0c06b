package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.interfaces.Sysctls;
import org.jcalico.felix.dataplane.ipsets.IpSetPlanner;
import org.jcalico.felix.dataplane.ipsets.IpSetSnapshot;
import org.jcalico.felix.dataplane.iptables.IptablesPlanner;
import org.jcalico.felix.dataplane.iptables.IptablesSnapshot;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.KernelException;
import org.junit.jupiter.api.Test;

/**
 * The dataplane's last line of defence: whatever value reaches it, no restore input or sysctl key can carry a second
 * command (routes and links go over rtnetlink, where a name is one attribute, never command text), and an ipset
 * member is one member of its set or refused. Each case is refused before a tool runs or a message is sent.
 */
class CommandEdgeTest {
    @Test
    void iptablesRestoreInputRefusesARuleThatWouldBeTwo() {
        IptablesState desired = new IptablesState(4, Map.of("filter", Map.of("jc-x",
                new Chain("jc-x", List.of("-j DROP\n-A INPUT -j ACCEPT")))), List.of());
        KernelException e = assertThrows(KernelException.class,
                () -> IptablesPlanner.plan(desired, IptablesSnapshot.EMPTY, RuleHash::of));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void ipsetBatchRefusesAMemberThatWouldBeTwo() {
        IpSetSpec set = new IpSetSpec("jc-4t-a", 4, Set.of("10.0.0.1/32\nflush"));
        KernelException e = assertThrows(KernelException.class,
                () -> IpSetPlanner.fill(Map.of(set.name(), set), IpSetSnapshot.EMPTY).input().batch());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void sysctlsRefuseAnInterfaceNameThatWouldNameAnotherKeyOrFile() {
        for (String name : List.of("jc1\nx", "..", ".", "a/b", "a=b", "a b", "", "sixteen-chars-xx")) {
            assertThrows(KernelException.class, () -> Sysctls.forInterface(new EndpointInterface(name, true, true)), name);
        }
        assertEquals("1", Sysctls.forInterface(new EndpointInterface("jc.100", true, false)).get("net.ipv4.conf.jc/100.proxy_arp"));
    }
}
