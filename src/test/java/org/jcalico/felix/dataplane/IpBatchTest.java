package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class IpBatchTest {
    @Test
    void eachRefusedLineGetsTheErrorPrintedBeforeItsMarker() {
        String stderr = """
                Cannot find device "jcNOPE"
                Command failed -:2
                Error: Nexthop device is not up.
                Command failed -:7
                RTNETLINK answers: File exists
                Command failed -:8
                """;
        assertEquals(Map.of(1, "Cannot find device \"jcNOPE\"", 6, "Error: Nexthop device is not up.",
                7, "RTNETLINK answers: File exists"), IpBatch.failures(stderr));
    }
}
