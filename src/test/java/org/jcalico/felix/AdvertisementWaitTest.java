package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.model.Cidr;
import org.jcalico.model.WorkloadEndpoint;
import org.junit.jupiter.api.Test;

/** Whose report waits for BIRD, for how long, and what the late ones are told, on a clock the test moves. */
class AdvertisementWaitTest {
    private static final Cidr OLD_BLOCK = Cidr.parse("10.65.0.0/26");
    private static final Cidr NEW_BLOCK = Cidr.parse("10.65.0.64/26");
    private static final List<Cidr> BLOCKS = List.of(OLD_BLOCK, NEW_BLOCK);
    private static final Set<Cidr> BLOCKS_SET = Set.copyOf(BLOCKS);
    private static final long MS = 1_000_000;
    private final AdvertisementWait wait = new AdvertisementWait();
    private final LocalEndpoints kept = new LocalEndpoints();

    @Test
    void anEndpointInANewBlockWaitsForItsRouteOthersDoNot() {
        List<WorkloadEndpoint> local = List.of(endpoint("a", "10.65.0.1/32"), endpoint("b", "10.65.0.65/32"));
        AdvertisementWait.Decision first = decide(local, Set.of(), Set.of(OLD_BLOCK), Map.of(), null, 0);
        assertEquals(Set.of("ep-b"), first.withheld());
        assertTrue(first.notes().isEmpty() && first.late().isEmpty());

        AdvertisementWait.Decision advertised = decide(local, Set.of(), Set.of(OLD_BLOCK, NEW_BLOCK), Map.of(), null, 10 * MS);
        assertEquals(AdvertisementWait.Decision.NONE, advertised, "nothing waits once BIRD exported the block");
    }

    @Test
    void pastTheBoundTheEndpointIsReportedWithWhatIsNotAdvertisedAndLoggedOnce() {
        List<WorkloadEndpoint> local = List.of(endpoint("b", "10.65.0.65/32"));
        assertTrue(decide(local, Set.of(), Set.of(), Map.of(), null, 0).withholding());
        assertTrue(decide(local, Set.of(), Set.of(), Map.of(), null, (AdvertisementWait.WAIT_MILLIS - 1) * MS).withholding());

        AdvertisementWait.Decision late = decide(local, Set.of(), Set.of(), Map.of(), null, AdvertisementWait.WAIT_MILLIS * MS);
        assertEquals(Set.of(), late.withheld());
        assertEquals(Map.of("ep-b", List.of(NEW_BLOCK)), late.late());
        assertEquals(late.late(), late.newlyLate());
        assertTrue(late.notes().get("ep-b").contains("does not yet advertise 10.65.0.64/26"), late.notes().toString());

        AdvertisementWait.Decision again = decide(local, Set.of(), Set.of(), Map.of(), null, (AdvertisementWait.WAIT_MILLIS + 500) * MS);
        assertEquals(late.late(), again.late());
        assertEquals(Map.of(), again.newlyLate(), "logged once");
    }

    @Test
    void aStalledBirdHoldsNothingBackAndAFailedOrBorrowedEndpointIsJudgedByItsOwnRoute() {
        WorkloadEndpoint borrowed = endpoint("c", "10.66.0.7/32");
        AdvertisementWait.Decision stalled = decide(List.of(endpoint("b", "10.65.0.65/32"), borrowed), Set.of("ep-b"),
                Set.of(), Map.of(), "BGP not configured: refused", 0);
        assertEquals(Set.of(), stalled.withheld());
        assertEquals(Map.of("ep-c", List.of(Cidr.parse("10.66.0.7/32"))), stalled.late(), "a failed endpoint waits for nothing");
        assertTrue(stalled.notes().get("ep-c").endsWith("(BGP not configured: refused)"), stalled.notes().toString());
    }

    @Test
    void aRouteAPeerNotEstablishedHasNotLearntIsNotWaitedForButNamedUntilItIsLearnt() {
        List<WorkloadEndpoint> local = List.of(endpoint("a", "10.65.0.1/32"), endpoint("b", "10.65.0.65/32"));
        Map<Cidr, List<String>> unlearnt = Map.of(NEW_BLOCK, List.of("h2 (10.0.0.2), session mesh4_10_0_0_2: Active"));
        AdvertisementWait.Decision down = decide(local, Set.of(), Set.of(OLD_BLOCK, NEW_BLOCK), unlearnt, null, 0);
        assertEquals(Set.of(), down.withheld(), "nothing waits for a session that is down");
        assertEquals(Map.of("ep-b", "programmed here, but BGP has not advertised 10.65.0.64/26 to h2 (10.0.0.2), session"
                + " mesh4_10_0_0_2: Active (not established, so not waited for)"), down.notes());
        assertEquals(Set.of("ep-b"), down.unreached());
        assertTrue(down.awaitsBgp() && down.late().isEmpty(), "reported again when BGP settles; not late");

        AdvertisementWait.Decision both = decide(local, Set.of(), Set.of(OLD_BLOCK), unlearnt, "BIRD: hung", 0);
        assertTrue(both.notes().get("ep-b").matches("programmed here, but BGP does not yet advertise 10.65.0.64/26 .*"
                + "\\(BIRD: hung\\); BGP has not advertised 10.65.0.64/26 to h2 .*"), both.notes().toString());

        AdvertisementWait.Decision learnt = decide(local, Set.of(), Set.of(OLD_BLOCK, NEW_BLOCK), Map.of(), null, 0);
        assertEquals(AdvertisementWait.Decision.NONE, learnt, "the note goes once the peer has learnt the route");
    }

    @Test
    void aSessionNamedByAReadingOlderThanTheEndpointIsAskedAfreshBeforeTheEndpointIsNoted() {
        // BIRD's sessions read at 0, h2 down; NEW_BLOCK configured (claimed ahead) and exported to no one yet
        List<WorkloadEndpoint> local = List.of(endpoint("b", "10.65.0.65/32"));
        Map<Cidr, List<String>> unlearnt = Map.of(NEW_BLOCK, List.of("h2 (10.0.0.2), session mesh4_10_0_0_2: Active"));
        AdvertisementWait.Decision stale = decide(local, Set.of(), Set.of(OLD_BLOCK, NEW_BLOCK), unlearnt, null, 0, 300 * MS);
        assertEquals(Set.of("ep-b"), stale.withheld(), "held back: the session may have come up since the reading");
        assertTrue(stale.readAgain() && stale.notes().isEmpty(), stale.toString());

        AdvertisementWait.Decision up = decide(local, Set.of(), Set.of(OLD_BLOCK, NEW_BLOCK), Map.of(), null, 305 * MS, 310 * MS);
        assertEquals(AdvertisementWait.Decision.NONE, up, "the fresh reading finds h2 established: nothing to say");

        AdvertisementWait.Decision down = decide(List.of(endpoint("c", "10.65.0.66/32")), Set.of(),
                Set.of(OLD_BLOCK, NEW_BLOCK), unlearnt, null, 400 * MS, 402 * MS);
        assertTrue(down.withholding() && down.readAgain(), "the next add, on the same reading, asks again");
        AdvertisementWait.Decision stillDown = decide(List.of(endpoint("c", "10.65.0.66/32")), Set.of(),
                Set.of(OLD_BLOCK, NEW_BLOCK), unlearnt, null, 405 * MS, 408 * MS);
        assertEquals(Set.of(), stillDown.withheld(), "a fresh reading that still finds h2 down is believed");
        assertTrue(stillDown.notes().get("ep-c").contains("BGP has not advertised 10.65.0.64/26 to h2"), stillDown.toString());
        assertTrue(!stillDown.readAgain() && stillDown.unreached().equals(Set.of("ep-c")), stillDown.toString());
        AdvertisementWait.Decision later = decide(List.of(endpoint("c", "10.65.0.66/32")), Set.of(),
                Set.of(OLD_BLOCK, NEW_BLOCK), unlearnt, null, 405 * MS, 1_500 * MS);
        assertEquals(stillDown.notes(), later.notes(), "a reading after the endpoint stays fresh for it");
        assertTrue(!later.readAgain() && !later.withholding(), later.toString());
    }

    @Test
    void withoutAFreshReadingTheEndpointIsNotedAtTheBoundAndAtOnceWhileBirdIsStalled() {
        List<WorkloadEndpoint> local = List.of(endpoint("b", "10.65.0.65/32"));
        Map<Cidr, List<String>> unlearnt = Map.of(NEW_BLOCK, List.of("h2 (10.0.0.2), session mesh4_10_0_0_2: Active"));
        assertTrue(decide(local, Set.of(), BLOCKS_SET, unlearnt, null, 0, 10 * MS).withholding());
        AdvertisementWait.Decision bound = decide(local, Set.of(), BLOCKS_SET, unlearnt, null, 0,
                (10 + AdvertisementWait.WAIT_MILLIS) * MS);
        assertTrue(!bound.withholding() && bound.unreached().equals(Set.of("ep-b")), bound.toString());

        AdvertisementWait.Decision stalled = decide(List.of(endpoint("c", "10.65.0.66/32")), Set.of(), BLOCKS_SET,
                unlearnt, "BIRD: hung", 0, 3_000 * MS);
        assertTrue(!stalled.withholding() && stalled.unreached().equals(Set.of("ep-c")), "a BIRD that does not answer is"
                + " not waited for: " + stalled);
    }

    /**
     * The decision on these local endpoints in BLOCKS, kept from one call to the next as the agent's loop keeps them,
     * on a reading of BIRD taken at the decision's moment.
     */
    private AdvertisementWait.Decision decide(List<WorkloadEndpoint> endpoints, Set<String> failed, Set<Cidr> advertised,
                                              Map<Cidr, List<String>> unlearnt, String stalled, long nowNanos) {
        return decide(endpoints, failed, advertised, unlearnt, stalled, nowNanos, nowNanos);
    }

    /** The same on a reading taken at READ_NANOS. */
    private AdvertisementWait.Decision decide(List<WorkloadEndpoint> endpoints, Set<String> failed, Set<Cidr> advertised,
                                              Map<Cidr, List<String>> unlearnt, String stalled, long readNanos,
                                              long nowNanos) {
        kept.update(endpoints, BLOCKS);
        return wait.decide(kept, failed, new BgpReading(advertised, unlearnt, stalled, readNanos), nowNanos);
    }

    private static WorkloadEndpoint endpoint(String name, String address) {
        return new WorkloadEndpoint("n1", "jcalico", "container-" + name, "ep-" + name, "jc" + name, null,
                List.of(Cidr.parse(address)), List.of(), List.of("blue"), null, null, null, null);
    }
}
