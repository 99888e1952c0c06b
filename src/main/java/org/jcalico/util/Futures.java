package org.jcalico.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work handed to another thread, its failure rethrown as that thread threw it. */
public final class Futures {
    private Futures() {
    }

    /**
     * What WORK gave, once it is done; a RuntimeException it threw (a driver's KernelException, a validation error) is
     * rethrown as it was, not wrapped, so callers catch and report it as if the work had run in line.
     */
    public static <T> T joined(CompletableFuture<T> work) {
        try {
            return work.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
