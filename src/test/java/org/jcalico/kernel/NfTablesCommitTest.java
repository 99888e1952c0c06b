package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Another program's commit is told with names that program chose: its task's name (any bytes, by prctl or by the name
 * it was run by) and, over netlink, its tables' and chains'. They reach felix.log and, once the program keeps changing
 * jcalico's dataplane, `node status`'s warning; told as they were, an escape sequence among them cleared or retitled the
 * terminal of whoever read the status. They are told with their control characters written out.
 */
class NfTablesCommitTest {
    @Test
    void theNamesAnotherProgramChoseAreToldWithTheirControlCharactersWrittenOut() {
        NfTablesCommits.Commit commit = new NfTablesCommits.Commit("pid 7 (\u001b]0;x\u0007nft)",
                Set.of(new NfTablesCommits.Touched("ip \u001b[2Jt", "c\nd")));
        assertEquals("pid 7 (\\x1b]0;x\\x07nft)", commit.who());
        assertEquals(Set.of(new NfTablesCommits.Touched("ip \\x1b[2Jt", "c\\nd")), commit.touched());
        assertEquals(Set.of("ip \\x1b[2Jt"), commit.tables());
        NfTablesCommits.Touched own = new NfTablesCommits.Touched("ip filter", "jc-FORWARD");
        assertEquals("ip filter jc-FORWARD", own.table() + " " + own.chain(), "names without a control character as they were");
    }
}
