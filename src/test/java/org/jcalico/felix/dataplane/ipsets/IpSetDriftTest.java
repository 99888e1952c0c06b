package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.kernel.IpSetNetlink.Header;
import org.junit.jupiter.api.Test;

/** What the ipsets' headers tell of another program's change, against what the driver wrote (IpSetDrift). */
class IpSetDriftTest {
    private static final IpSetSpec CLIENTS = new IpSetSpec("jc-4s-clients", 4, Set.of("10.65.0.1/32", "10.65.0.2/32"));
    private static final IpSetSpec PORTS = new IpSetSpec("jc-6p-web", IpSetSpec.Type.IP_PORT, 6, Set.of("fd00::1,tcp:80"));
    private static final IpSetSnapshot WRITTEN =
            new IpSetSnapshot(Map.of(CLIENTS.name(), CLIENTS, PORTS.name(), PORTS), Set.of("jc-4t-odd"));

    @Test
    void headersAsWrittenDifferInNothingAndTheirSeedsAreKeptForTheNextLook() {
        IpSetDrift drift = IpSetDrift.between(WRITTEN, List.of(header("jc-4s-clients", 2, 7), header("jc-4t-odd", 9, 3),
                new Header("jc-6p-web", "hash:ip,port", 6, 1, 5), header("docker-set", 40, 1)), Map.of(), Set.of());
        assertEquals(List.of(), drift.differences());
        assertEquals(Map.of("jc-4s-clients", 7, "jc-4t-odd", 3, "jc-6p-web", 5), drift.seeds(),
                "only jcalico's sets' seeds, a misfit's too");
    }

    @Test
    void aCountOtherThanWrittenIsAMemberAddedDeletedOrAFlush() {
        assertEquals(List.of("jc-4s-clients holds 3 members where the agent wrote 2"), differences(header("jc-4s-clients", 3, 7)));
        assertEquals(List.of("jc-4s-clients holds 0 members where the agent wrote 2"), differences(header("jc-4s-clients", 0, 7)));
    }

    @Test
    void aSetOfTheSameCountWithAnotherSeedIsOneSwappedInUnlessTheDriverRemadeIt() {
        Header swapped = header("jc-4s-clients", 2, 8);
        assertEquals(List.of("jc-4s-clients is another set of as many members (its seed 0x8, 0x7 at the last look): swapped in"),
                IpSetDrift.between(WRITTEN, all(swapped), Map.of("jc-4s-clients", 7), Set.of()).differences());
        assertEquals(List.of(), IpSetDrift.between(WRITTEN, all(swapped), Map.of("jc-4s-clients", 7), Set.of("jc-4s-clients"))
                .differences(), "the driver's own swap");
        assertEquals(List.of(), IpSetDrift.between(WRITTEN, all(swapped), Map.of(), Set.of()).differences(),
                "no seed seen before (a first look after a read-back): nothing to compare");
    }

    @Test
    void aSetDestroyedMadeOrOfAnotherTypeIsADifference() {
        assertEquals(List.of("jc-4t-odd destroyed"), IpSetDrift.between(WRITTEN, List.of(header("jc-4s-clients", 2, 7),
                new Header("jc-6p-web", "hash:ip,port", 6, 1, 5)), Map.of(), Set.of()).differences());
        assertEquals(List.of("jc-4s-new made by another program"), differences(header("jc-4s-new", 0, 1)));
        assertEquals(List.of("jc-6p-web is hash:net of IPv6 where the agent made hash:ip,port of IPv6"),
                IpSetDrift.between(WRITTEN, List.of(header("jc-4s-clients", 2, 7), header("jc-4t-odd", 0, 3),
                        new Header("jc-6p-web", "hash:net", 6, 1, 5)), Map.of(), Set.of()).differences());
    }

    @Test
    void aHeaderWithoutCountOrSeedIsComparedByTypeAlone() {
        assertEquals(List.of(), IpSetDrift.between(WRITTEN, List.of(new Header("jc-4s-clients", "hash:net", 4, -1, null),
                header("jc-4t-odd", 0, 3), new Header("jc-6p-web", "hash:ip,port", 6, 1, 5)), Map.of("jc-4s-clients", 7),
                Set.of()).differences());
    }

    /** The differences when the kernel holds EXTRA beside the sets as written (EXTRA replacing one of the same name). */
    private static List<String> differences(Header extra) {
        return IpSetDrift.between(WRITTEN, all(extra), Map.of(), Set.of()).differences();
    }

    /** The sets as written, seeds 7, 3 and 5, with CHANGED in place of the one of its name or added. */
    private static List<Header> all(Header changed) {
        List<Header> headers = new java.util.ArrayList<>(List.of(header("jc-4s-clients", 2, 7), header("jc-4t-odd", 0, 3),
                new Header("jc-6p-web", "hash:ip,port", 6, 1, 5)));
        headers.removeIf(header -> header.name().equals(changed.name()));
        headers.add(changed);
        return headers;
    }

    private static Header header(String name, long elements, int seed) {
        return new Header(name, "hash:net", 4, elements, seed);
    }
}
