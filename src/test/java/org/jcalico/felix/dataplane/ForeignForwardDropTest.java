package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.jcalico.kernel.BaseChain;
import org.jcalico.kernel.CommandText;
import org.jcalico.model.DataplaneDriver;
import org.junit.jupiter.api.Test;

class ForeignForwardDropTest {
    @Test
    void iptablesForwardDropIsDockersAndStopsOnlyTheNftablesDriver() {
        Set<BaseChain> docker = Set.of(new BaseChain("ip6", "filter", "FORWARD"), new BaseChain("ip", "filter", "FORWARD"));
        assertNull(ForeignForwardDrop.warning(docker, DataplaneDriver.IPTABLES), "jc-FORWARD's accept ends FORWARD");
        String warning = ForeignForwardDrop.warning(docker, DataplaneDriver.NFTABLES);
        assertTrue(warning.contains("ip filter FORWARD, ip6 filter FORWARD") && warning.contains("DOCKER-USER"), warning);
    }

    @Test
    void anotherTablesForwardDropStopsBothDrivers() {
        Set<BaseChain> firewall = Set.of(new BaseChain("inet", "firewall", "forward"));
        for (DataplaneDriver driver : DataplaneDriver.values()) {
            String warning = ForeignForwardDrop.warning(firewall, driver);
            assertTrue(warning != null && warning.contains("inet firewall forward") && !warning.contains("DOCKER-USER"),
                    driver + ": " + warning);
        }
    }

    @Test
    void jcalicosOwnTablesAndNoDropSayNothing() {
        assertNull(ForeignForwardDrop.warning(Set.of(new BaseChain("ip", "jcalico", "filter-FORWARD"),
                new BaseChain("ip6", "jcalico", "filter-FORWARD")), DataplaneDriver.NFTABLES));
        assertNull(ForeignForwardDrop.warning(Set.of(), DataplaneDriver.NFTABLES));
        assertTrue(ForeignForwardDrop.warning(Set.of(new BaseChain("inet", "jcalico", "forward")), DataplaneDriver.NFTABLES)
                .contains("inet jcalico forward"), "another family's table of the same name is not jcalico's");
    }

    /** Another program names its tables and chains: a space or an escape sequence must not garble or hijack the status. */
    @Test
    void anotherProgramsNamesAreQuotedAndTheirControlCharactersWrittenOut() {
        String warning = ForeignForwardDrop.warning(Set.of(new BaseChain("inet", "my fw", "fwd\u001b[2J\ndrop")),
                DataplaneDriver.IPTABLES);
        assertTrue(warning.contains("inet \"my fw\" \"fwd\\x1b[2J\\ndrop\""), warning);
        assertFalse(CommandText.hasControl(warning), warning);
    }
}
