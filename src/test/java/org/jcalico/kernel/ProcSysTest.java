package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Only a file under /proc/sys as its path stands is written: no part of the path may climb out or stand still. */
class ProcSysTest {
    @Test
    void aPathThatClimbsOutOrHasADotPartIsNotUnderProcSys() {
        for (String path : new String[] {"/proc/sys/../../etc/passwd", "/proc/sys/net/ipv4/conf/..", "/proc/sys/./x",
                "/proc/sys/net/ipv4/conf/../../../../tmp/x", "/proc/system/x", "/tmp/proc/sys/x", "proc/sys/x",
                "/proc/sys"}) {
            assertFalse(ProcSys.underProcSys(path), path);
        }
    }

    @Test
    void anInterfaceWhoseNameHasDotsIsUnderProcSys() {
        // eth0.100 and a name starting with a dot are interfaces' names, not climbs
        for (String path : new String[] {"/proc/sys/net/ipv4/conf/eth0.100/proxy_arp",
                "/proc/sys/net/ipv6/conf/.x/accept_dad", "/proc/sys/net/ipv4/conf/...x/forwarding",
                "/proc/sys/net/ipv4/ip_forward"}) {
            assertTrue(ProcSys.underProcSys(path), path);
        }
    }
}
