package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The names and log prefixes made from it must stay what they were: the standard's test vector, on two threads. */
class Sha256Test {
    @Test
    void hexIsTheDigestsFirstBytes() {
        assertEquals("ba7816bf8f01cfea", Sha256.hex("abc", 8));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.hex("abc", 32));
        assertEquals("e3b0c442", Sha256.hex("", 4));
    }

    @Test
    void threadsHashAtOnceWithoutSharingState() {
        List<CompletableFuture<Boolean>> runs = List.of(1, 2, 3, 4).stream().map(run -> CompletableFuture.supplyAsync(() -> {
            for (int i = 0; i < 2_000; i++) {
                if (!Sha256.hex("abc", 8).equals("ba7816bf8f01cfea")) {
                    return false;
                }
            }
            return true;
        })).toList();
        runs.forEach(run -> assertEquals(true, run.join()));
    }
}
