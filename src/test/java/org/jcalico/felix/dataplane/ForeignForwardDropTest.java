package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.jcalico.model.DataplaneDriver;
import org.junit.jupiter.api.Test;

class ForeignForwardDropTest {
    @Test
    void iptablesForwardDropIsDockersAndStopsOnlyTheNftablesDriver() {
        Set<String> docker = Set.of("ip filter FORWARD", "ip6 filter FORWARD");
        assertNull(ForeignForwardDrop.warning(docker, DataplaneDriver.IPTABLES), "jc-FORWARD's accept ends FORWARD");
        String warning = ForeignForwardDrop.warning(docker, DataplaneDriver.NFTABLES);
        assertTrue(warning.contains("ip filter FORWARD, ip6 filter FORWARD") && warning.contains("DOCKER-USER"), warning);
    }

    @Test
    void anotherTablesForwardDropStopsBothDrivers() {
        Set<String> firewall = Set.of("inet firewall forward");
        for (DataplaneDriver driver : DataplaneDriver.values()) {
            String warning = ForeignForwardDrop.warning(firewall, driver);
            assertTrue(warning != null && warning.contains("inet firewall forward") && !warning.contains("DOCKER-USER"),
                    driver + ": " + warning);
        }
    }

    @Test
    void jcalicosOwnTablesAndNoDropSayNothing() {
        assertNull(ForeignForwardDrop.warning(Set.of("ip jcalico filter-FORWARD", "ip6 jcalico filter-FORWARD"),
                DataplaneDriver.NFTABLES));
        assertNull(ForeignForwardDrop.warning(Set.of(), DataplaneDriver.NFTABLES));
    }
}
