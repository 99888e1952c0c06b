package org.jcalico.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.jcalico.model.Cidr;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.policy.PolicyCluster;
import org.junit.jupiter.api.Test;

/** The UI's matrix (GET /api/matrix): a question it cannot ask is a 400 with why, whatever endpoints are chosen. */
class ConnectivityMatrixTest {
    /**
     * The probe's protocol and port were checked only where a packet was built, between two endpoints of a family in
     * common: with one endpoint chosen, none, or two without a family in common, `port=99999` or `protocol=sctp`
     * answered 200 with a matrix, as if it were a question.
     */
    @Test
    void aBadPortOrProtocolIsRefusedWhateverTheEndpoints() {
        WorkloadEndpoint v4 = endpoint("a", "10.0.0.1/32");
        WorkloadEndpoint v6 = endpoint("b", "fd00::1/128");
        PolicyCluster cluster = new PolicyCluster(List.of(v4, v6), Map.of(), Map.of(), List.of(), List.of(), List.of());
        for (List<String> chosen : List.of(List.<String>of(), List.of("a"), List.of("a", "b"))) {
            assertEquals("--port: '99999' is not a port number 1-65535", assertThrows(ValidationException.class,
                    () -> ConnectivityMatrix.of(cluster, chosen, "tcp", 99999)).getMessage(),
                    chosen.toString());
            assertThrows(ValidationException.class, () -> ConnectivityMatrix.of(cluster, chosen, "sctp", 80), chosen.toString());
            assertThrows(ValidationException.class, () -> ConnectivityMatrix.of(cluster, chosen, "icmp", 80), chosen.toString());
            assertThrows(ValidationException.class, () -> ConnectivityMatrix.of(cluster, chosen, "udp", null), chosen.toString());
        }
        assertEquals(2, ((List<?>) ConnectivityMatrix.of(cluster, List.of("a", "b"), "tcp", 80).get("rows")).size(),
                "a good question is answered");
    }

    private static WorkloadEndpoint endpoint(String id, String address) {
        Cidr net = Cidr.parseHostOrNet(address);
        return new WorkloadEndpoint("h1", "jcalico", "netns:" + id, id, "jc" + id, null,
                net.version() == 4 ? List.of(net) : List.of(), net.version() == 6 ? List.of(net) : List.of(),
                List.of(), null, null, Map.of(), List.of());
    }
}
