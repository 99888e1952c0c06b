package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResyncScheduleTest {
    private static final long SECOND = 1000;
    private static final long HOUR = 3600 * SECOND;

    @Test
    void theFirstTurnResyncs() {
        assertTrue(new ResyncSchedule().isDue(0, HOUR, false));
    }

    @Test
    void aLengthenedIntervalDoesNotFireOnTheOldSchedule() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(1_000_000, true, true, SECOND);
        assertFalse(schedule.isDue(1_000_000 + 11 * SECOND, HOUR, false), "10 s when scheduled, an hour now");
        assertTrue(schedule.isDue(1_000_000 + HOUR, HOUR, false));
    }

    @Test
    void aShortenedIntervalCountsFromTheLastResync() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(1_000_000, true, true, SECOND);
        assertEquals(1_000_000 + 2 * SECOND, schedule.dueAt(2 * SECOND, false));
        assertTrue(schedule.isDue(1_000_000 + 60 * SECOND, 2 * SECOND, false), "an hour when scheduled, 2 s now");
    }

    @Test
    void anUpdateDoesNotMoveTheResync() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(0, true, true, SECOND);
        schedule.passed(5 * SECOND, false, true, SECOND);
        assertEquals(10 * SECOND, schedule.dueAt(10 * SECOND, false));
    }

    @Test
    void aFailedPassRetriesAfterItsBackoffAndAGoodOneDropsTheRetry() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(0, true, true, SECOND);
        schedule.passed(5 * SECOND, false, false, 2 * SECOND);
        assertEquals(7 * SECOND, schedule.dueAt(HOUR, false));
        schedule.passed(6 * SECOND, false, true, SECOND);
        assertEquals(HOUR, schedule.dueAt(HOUR, false));
    }

    @Test
    void aFailedResyncRetriesAfterItsBackoff() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(50 * SECOND, true, false, 4 * SECOND);
        assertEquals(54 * SECOND, schedule.dueAt(HOUR, false));
    }

    @Test
    void aPeriodicResyncWaitsForAnAttachmentUnderWayAtMostTheHoldAndARetryWaitsForNothing() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(0, true, true, SECOND);
        assertFalse(schedule.isDue(10 * SECOND, 10 * SECOND, true), "an endpoint is on its way");
        assertTrue(schedule.isDue(10 * SECOND, 10 * SECOND, false), "the attachment ended: at once");
        assertEquals(10 * SECOND + ResyncSchedule.HOLD_MILLIS, schedule.dueAt(10 * SECOND, true));
        assertTrue(new ResyncSchedule().isDue(0, HOUR, true), "the first turn's resync waits for nothing");
        schedule.passed(5 * SECOND, false, false, 2 * SECOND);
        assertEquals(7 * SECOND, schedule.dueAt(10 * SECOND, true), "a failed pass's retry");
    }

    @Test
    void afterACrashTheNextTurnResyncs() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(50 * SECOND, true, true, SECOND);
        schedule.resyncNext();
        assertTrue(schedule.isDue(51 * SECOND, HOUR, false));
    }

    @Test
    void aForeignCommitBringsTheResyncForwardOnceAndNoSoonerThanTheGapAfterTheLast() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(0, true, true, SECOND);
        assertTrue(schedule.foreignCommit(10 * SECOND, "nft"));
        assertEquals(10 * SECOND + ResyncSchedule.FOREIGN_SETTLE_MILLIS, schedule.dueAt(HOUR, true), "no hold for attachments");
        assertFalse(schedule.foreignCommit(10 * SECOND + 5, "ipset"), "one resync for a burst");
        assertEquals("nft", schedule.broughtForwardBy(), "by the first");
        schedule.passed(10 * SECOND + 100, true, true, SECOND);
        assertEquals(10 * SECOND + 100 + HOUR, schedule.dueAt(HOUR, false), "the resync made");
        assertEquals(null, schedule.broughtForwardBy(), "and nothing brings the next forward");
        assertTrue(schedule.foreignCommit(10 * SECOND + 101, "nft"));
        assertEquals(10 * SECOND + 100 + ResyncSchedule.FOREIGN_GAP_MILLIS, schedule.dueAt(HOUR, false), "a loop of commits waits the gap");
    }

    @Test
    void anUpdateLeavesAForeignCommitsResyncDue() {
        ResyncSchedule schedule = new ResyncSchedule();
        schedule.passed(0, true, true, SECOND);
        schedule.foreignCommit(10 * SECOND, "nft");
        schedule.passed(10 * SECOND + 5, false, true, SECOND);
        assertTrue(schedule.isDue(10 * SECOND + ResyncSchedule.FOREIGN_SETTLE_MILLIS, HOUR, false));
    }
}
