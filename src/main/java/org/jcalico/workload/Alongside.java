package org.jcalico.workload;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.jcalico.model.Cidr;

/**
 * An attachment's addresses taken (their commits) while the part of its veth that needs no address is made: neither
 * waits for the other. Both have ended, whatever happened to either, when {@link #take} returns or throws, so the undo
 * that follows a failure (the intent's teardown) finds every address taken and every link made; one taken after that
 * teardown would stay held by an endpoint that never was.
 */
final class Alongside {
    private Alongside() {
    }

    /**
     * Takes the addresses on a thread of their own while {@code beside} runs on this one; returns them once both have
     * ended. When either failed, throws the addresses' failure first (the error a user would have seen when they were
     * taken before the veth was begun), the other's added to it.
     */
    static List<Cidr> take(Supplier<List<Cidr>> addresses, Runnable beside) {
        CompletableFuture<List<Cidr>> taken = new CompletableFuture<>();
        Thread.ofVirtual().name("jcalico-addresses").start(() -> {
            try {
                taken.complete(addresses.get());
            } catch (Throwable e) {
                taken.completeExceptionally(e);
            }
        });
        Throwable besideFailed = null;
        try {
            beside.run();
        } catch (RuntimeException | Error e) {
            besideFailed = e;
        }
        List<Cidr> nets;
        try {
            nets = taken.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (besideFailed != null) {
                cause.addSuppressed(besideFailed);
            }
            throw unchecked(cause);
        }
        if (besideFailed != null) {
            throw unchecked(besideFailed);
        }
        return nets;
    }

    /** What a Supplier or Runnable can throw: a RuntimeException or an Error. */
    private static RuntimeException unchecked(Throwable e) {
        if (e instanceof Error error) {
            throw error;
        }
        return (RuntimeException) e;
    }
}
