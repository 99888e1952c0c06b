package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An intent's owner is alive only as the very process that wrote it, in this boot. */
class OwnerTest {
    @Test
    void thisProcessIsAliveAndADeadOneOrAReusedPidOrAnotherBootIsNot() throws Exception {
        Owner self = Owner.current();
        assertTrue(self.alive());
        assertTrue(self.runsHere());

        Process child = new ProcessBuilder("true").start();
        long pid = child.pid();
        child.waitFor();
        assertFalse(new Owner(self.bootId(), pid, self.startMillis()).alive(), "a process that has exited");
        assertFalse(new Owner(self.bootId(), self.pid(), self.startMillis() - 1000).alive(), "the pid reused by a later process");
        assertFalse(new Owner("another-boot", self.pid(), self.startMillis()).alive(), "a process of an earlier boot");
        assertFalse(new Owner(self.bootId(), self.pid(), self.startMillis() - 1000).runsHere());
    }
}
