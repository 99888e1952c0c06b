package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Two forks never share a name or an etcd port, and one fork's names are those of a run without forks. */
class TestForkTest {
    private static final TestFork.Ports LANE = TestFork.Ports.parse("24100-24179");

    @Test
    void eachForkHasItsOwnShareOfThePorts() {
        assertEquals(new TestFork.Ports(24100, 24139), new TestFork(1, 2).ports(LANE));
        assertEquals(new TestFork.Ports(24140, 24179), new TestFork(2, 2).ports(LANE));
        assertEquals(LANE, new TestFork(1, 1).ports(LANE));
        assertEquals(new TestFork.Ports(24152, 24177), new TestFork(3, 3).ports(LANE), "the rest of the range unused");
        assertThrows(IllegalStateException.class, () -> new TestFork(2, 2).ports(TestFork.Ports.parse("24100-24102")));
        assertThrows(IllegalStateException.class, () -> TestFork.Ports.parse("24100"));
    }

    @Test
    void aForkNamesWithItsDigitOnlyWhenThereAreSeveral() {
        assertEquals("", new TestFork(1, 1).namePart());
        assertEquals("2", new TestFork(2, 2).namePart());
        assertThrows(IllegalStateException.class, () -> new TestFork(3, 2));
        assertThrows(IllegalStateException.class, () -> new TestFork(1, 10), "a second digit would make fork 1's names a prefix of fork 12's");
    }
}
