package org.jcalico.util;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A reading that callers at once share, one at a time: each caller gets a reading begun after it asked (never an older
 * one), and the callers that ask while a reading is under way share the next one, which begins when that one ends.
 * So however many ask, at most one reading runs, and at most one more is waited for. For what anyone may ask for as
 * often as they like and costs a process or a round trip each time (BIRD's sessions for the pages, which any local
 * user can request: docs/agent.md, "Session 66 (t-local)"). A reading must end by itself (a timeout of its own): the
 * callers after it wait for it. Its failure (a RuntimeException) is each sharing caller's, rethrown as it was.
 */
public final class SharedReading<T> implements Supplier<T> {
    private final Supplier<T> read;
    /** The reading under way, or null. */
    private CompletableFuture<T> running;
    /** The reading the callers that came while {@link #running} ran wait for, begun when it ends; or null. */
    private CompletableFuture<T> next;

    public SharedReading(Supplier<T> read) {
        this.read = read;
    }

    @Override
    public T get() {
        return Futures.joined(reading());
    }

    private synchronized CompletableFuture<T> reading() {
        if (running == null) {
            running = begin(new CompletableFuture<>());
            return running;
        }
        if (next == null) {
            next = new CompletableFuture<>();
        }
        return next;
    }

    /** Reads into READING on a thread of its own, so that no caller's wait depends on another caller's thread. */
    private CompletableFuture<T> begin(CompletableFuture<T> reading) {
        Thread.ofVirtual().name("shared-reading").start(() -> {
            try {
                reading.complete(read.get());
            } catch (RuntimeException | Error e) {
                reading.completeExceptionally(e);
            } finally {
                ended();
            }
        });
        return reading;
    }

    private synchronized void ended() {
        running = next == null ? null : begin(next);
        next = null;
    }
}
