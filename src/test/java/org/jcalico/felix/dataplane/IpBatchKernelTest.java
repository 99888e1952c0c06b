package org.jcalico.felix.dataplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** One ip per batch: each refused line found by its number, and an ip that exits or is killed mid-batch never taken for done. */
@Tag("kernel")
class IpBatchKernelTest {
    private static final String NAMESPACE = "jcg1-ipbatch";

    @Test
    void refusalsByLineAcrossBatchesAndAnIpThatExitsMidBatchIsNoAnswer() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
        CommandRunner host = Namespaces.create(NAMESPACE);
        try {
            IpBatch ip = new IpBatch(host);
            assertEquals(Map.of(), ip.run(List.of("link set lo up", "route add 10.67.0.0/24 dev lo proto 98")));
            assertEquals(Map.of(1, "RTNETLINK answers: File exists"),
                    ip.run(List.of("route add 10.67.1.0/24 dev lo proto 98", "route add 10.67.0.0/24 dev lo proto 98")));
            // ip exits on an argument it cannot parse: the lines after it never ran, and none counts as done
            assertThrows(IpBatch.Ended.class, () -> ip.run(List.of("route add 10.67.2.0/24 dev lo proto 98",
                    "route add 10.67.3.0/99 dev lo", "route add 10.67.4.0/24 dev lo proto 98")));
            // an ip killed after the first line of its batch: the line it did is done, yet nothing is claimed
            IpBatch killed = new IpBatch(host, List.of("sh", "-c", "head -n 1 | ip -force -batch -; kill -9 $$"));
            assertThrows(IpBatch.Ended.class, () -> killed.run(List.of("route add 10.67.5.0/24 dev lo proto 98",
                    "route add 10.67.6.0/24 dev lo proto 98")));
            assertEquals(Map.of(0, "RTNETLINK answers: File exists"),
                    ip.run(List.of("route add 10.67.2.0/24 dev lo proto 98", "route add 10.67.4.0/24 dev lo proto 98")));
            assertEquals(List.of("10.67.0.0/24", "10.67.1.0/24", "10.67.2.0/24", "10.67.4.0/24", "10.67.5.0/24"),
                    host.run("ip", "-4", "route", "show", "proto", "98").check().stdout().lines()
                            .map(line -> line.split(" ")[0]).sorted().toList());
        } finally {
            Namespaces.delete(NAMESPACE);
        }
    }
}
