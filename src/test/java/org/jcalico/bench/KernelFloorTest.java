package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The floor's links: the host sides of jcalico's veths, and of them the ones set up, as `ip -o link show` prints them. */
class KernelFloorTest {
    // as ip 6.x prints them in a namespace: an endpoint's link set up (its peer down, and up), a veth never set up
    private static final List<String> SHOWN = List.of(
            "1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
            "2: p0@jcaaa: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether ee:21:ed:2c:b3:5c brd ff:ff:ff:ff:ff:ff",
            "3: jcaaa@p0: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000\\    link/ether fe:9e:bb:24:06:72 brd ff:ff:ff:ff:ff:ff",
            "4: p1@jcbbb: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 12:9f:57:ce:ff:c7 brd ff:ff:ff:ff:ff:ff",
            "5: jcbbb@p1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 4a:56:c8:c7:d9:d7 brd ff:ff:ff:ff:ff:ff",
            "6: p2@jcccc: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether 7e:34:02:6d:51:cd brd ff:ff:ff:ff:ff:ff",
            "7: jcccc@p2: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether 86:f8:a1:5c:ee:0f brd ff:ff:ff:ff:ff:ff");

    @Test
    void everyVethIsMadeButOnlyTheLinksJcalicoSetUpAreSetUpAgain() {
        assertEquals(List.of("jcaaa", "jcbbb", "jcccc"), KernelFloor.hostSides(SHOWN, false));
        // bench policy makes 40 veths for the adds after its first programming: before session 66 its floor set
        // them up as well (and wrote their settings), work the first programming does not do
        assertEquals(List.of("jcaaa", "jcbbb"), KernelFloor.hostSides(SHOWN, true));
    }
}
