package org.jcalico.felix.dataplane.interfaces;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkParserTest {
    @Test
    void upMeansAdministrativelyUpEvenWithoutCarrier() {
        String json = """
                [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"]},\
                {"ifindex":2,"link":"jcA","ifname":"pA","flags":["BROADCAST","MULTICAST"]},\
                {"ifindex":3,"link":"pA","ifname":"jcA","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"]}]""";
        assertEquals(Map.of("lo", true, "pA", false, "jcA", true), LinkParser.parse(json));
    }
}
