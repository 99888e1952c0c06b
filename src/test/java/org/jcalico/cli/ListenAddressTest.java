package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

/** `jcalico ui --listen`: an IP literal and a port, nothing that needs a name lookup. */
class ListenAddressTest {
    @Test
    void literalsOfBothFamiliesAreTaken() {
        assertEquals("127.0.0.1:9098", CliValues.listenAddress("--listen", "127.0.0.1:9098").getAddress().getHostAddress() + ":9098");
        var v6 = CliValues.listenAddress("--listen", "[::1]:8080");
        assertEquals(8080, v6.getPort());
        assertEquals("0:0:0:0:0:0:0:1", v6.getAddress().getHostAddress());
    }

    @Test
    void namesMissingPortsAndBareIpv6AreRefusedNamingTheFlag() {
        for (String bad : new String[] {"localhost:9098", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:9098", ":9098", "1.2.3:80"}) {
            ValidationException e = assertThrows(ValidationException.class, () -> CliValues.listenAddress("--listen", bad), bad);
            assertEquals(true, e.getMessage().startsWith("--listen: '" + bad + "'"), e.getMessage());
        }
    }
}
