package org.jcalico.felix.dataplane.interfaces;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.junit.jupiter.api.Test;

class SysctlsTest {
    @Test
    void perFamilySettingsOfAnInterface() {
        assertEquals(List.of("net.ipv4.conf.jc1.forwarding", "net.ipv4.conf.jc1.proxy_arp", "net.ipv4.neigh.jc1.proxy_delay"),
                List.copyOf(Sysctls.forInterface(new EndpointInterface("jc1", true, false)).keySet()));
        assertEquals(Map.of("net.ipv6.conf.jc1.disable_ipv6", "0", "net.ipv6.conf.jc1.accept_dad", "0",
                        "net.ipv6.conf.jc1.accept_ra", "0", "net.ipv6.conf.jc1.forwarding", "1"),
                Sysctls.forInterface(new EndpointInterface("jc1", false, true)));
    }

    @Test
    void dotsInInterfaceNamesBecomeSlashesInKeysAndStayDotsInPaths() {
        String key = "net.ipv4.conf." + Sysctls.keyPart("eth0.100") + ".proxy_arp";
        assertEquals("net.ipv4.conf.eth0/100.proxy_arp", key);
        assertEquals("/proc/sys/net/ipv4/conf/eth0.100/proxy_arp", Sysctls.path(key));
    }

    @Test
    void parsesWhatSysctlPrints() {
        assertEquals(Map.of("net.ipv4.ip_forward", "0", "net.ipv4.conf.jcA.proxy_arp", "1"),
                Sysctls.parse("net.ipv4.conf.jcA.proxy_arp = 1\nnet.ipv4.ip_forward = 0\n"));
    }
}
