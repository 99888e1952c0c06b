package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;

class NewBlockPairsTest {
    @Test
    void eachOddAddIsPairedWithTheAddAfterIt() {
        NewBlockPairs pairs = NewBlockPairs.of(List.of(50L, 40L, 90L, 100L, 70L, 30L, 999L));
        assertEquals(List.of(10L, -10L, 40L), pairs.differences(), "the last add, without a partner, is left out");
        assertEquals(10, pairs.medianDifference());
        assertEquals(2, pairs.newSlower());
        assertEquals(70, pairs.newMedian());
        assertEquals(40, pairs.existingMedian());
    }

    @Test
    void oneAddIsNoPair() {
        assertThrows(IllegalArgumentException.class, () -> NewBlockPairs.of(List.of(5L)));
    }

    @Test
    void aPairWithAnAddNeverAnsweredIsLeftOut() {
        assertEquals(List.of(5L), NewBlockPairs.of(List.of(-1L, 40L, 45L, 40L, 30L, -1L)).differences());
    }

    @Test
    void oddAddsTakeABlockOfTheirOwnAndEvenAddsTheSecondAddressOfIt() {
        assertEquals(IpAddress.parse("10.70.0.1"), AttachBenchmark.pairedAddress(1));
        assertEquals(IpAddress.parse("10.70.0.2"), AttachBenchmark.pairedAddress(2));
        assertEquals(IpAddress.parse("10.70.0.65"), AttachBenchmark.pairedAddress(3));
        assertEquals(IpAddress.parse("10.70.0.66"), AttachBenchmark.pairedAddress(4));
        assertEquals(IpAddress.parse("10.70.7.66"), AttachBenchmark.pairedAddress(60));
    }
}
