package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How many tracked connections a forgetting reads as text before it deletes: no more than what it may spare costs. */
class ConntrackTest {
    @Test
    void readsTheTextOfAsManyConnectionsAsTheWalksItMaySpareCost() throws Exception {
        InetAddress v4 = InetAddress.getByName("10.0.0.1");
        InetAddress v6 = InetAddress.getByName("fd00::1");
        assertEquals(Conntrack.LISTED_PER_ADDRESS, Conntrack.listable(List.of(v4)), "an IPv4 address's two walks");
        assertEquals(3L * Conntrack.LISTED_PER_ADDRESS, Conntrack.listable(List.of(v4, v4, v4)));
        assertEquals(Conntrack.LISTED_MAX, Conntrack.listable(List.of(v6)), "an IPv6 address's dump");
        assertEquals(Conntrack.LISTED_MAX, Conntrack.listable(List.of(v4, v6)));
        List<InetAddress> many = new ArrayList<>();
        for (int i = 0; i <= Conntrack.FILTERED_MAX; i++) {
            many.add(v4);
        }
        assertEquals(Conntrack.LISTED_MAX, Conntrack.listable(many), "more IPv4 addresses than are worth walks: a dump");
    }
}
