package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ForeignRepairsTest {
    private static final long WINDOW = ForeignRepairs.WINDOW_MILLIS;

    @Test
    void warnsFromTheThirdRepairWithinTheWindowAndNamesTheLast() {
        ForeignRepairs repairs = ForeignRepairs.NONE.repaired(1_000, "jc-4s-a holds 2 members where the agent wrote 1")
                .repaired(2_000, "jc-4s-a holds 2 members where the agent wrote 1");
        assertNull(repairs.warning(2_000), "two repairs are incidents, which the log tells");
        repairs = repairs.repaired(3_000, "nf_tables: nft (pid 7) in [inet jcalico]");
        assertEquals("another program keeps changing jcalico's dataplane: 3 repairs in the last 30 s, the last of: nf_tables:"
                + " nft (pid 7) in [inet jcalico]; each change holds until its repair (about a second)", repairs.warning(3_000));
    }

    @Test
    void theWarningEndsWhenTheRepairsLeaveTheWindow() {
        ForeignRepairs repairs = ForeignRepairs.NONE.repaired(0, "a").repaired(10_000, "b").repaired(20_000, "c");
        assertEquals(true, repairs.warning(WINDOW - 1) != null);
        assertNull(repairs.warning(WINDOW), "the first has left it");
        assertNull(repairs.repaired(WINDOW + 10_000, "d").warning(WINDOW + 10_000), "nor is it counted again");
        assertEquals(true, repairs.repaired(WINDOW - 1, "d").warning(WINDOW + 9_999) != null, "b, c and d");
    }
}
