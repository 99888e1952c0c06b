package org.jcalico.agent;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jcalico.metrics.AgentMetrics;
import org.jcalico.util.Futures;

/**
 * The agent's health and metrics pages, made and served on a thread of their own while the process's main thread
 * opens the datastore and starts the first listing: neither needs the other, and on a busy machine the pages' set-up
 * (Prometheus' registry, the listeners, the status file's first write: 0.2-0.3 s) was on the path to the listing's
 * start (docs/agent.md, "Start-up of the agent", session 56). The main thread takes them with {@link #ready} before
 * it reports anything to the status file itself (a store waited for, the agent's loop), so the status file is written
 * in the order it was: "starting" first.
 */
final class StartPages implements AutoCloseable {
    /** What the thread made: the registry the agent counts into and the two listeners serving it and its health. */
    record Pages(AgentMetrics metrics, PageListener health, PageListener served) {
    }

    private final CompletableFuture<Pages> making;

    private StartPages(CompletableFuture<Pages> making) {
        this.making = making;
    }

    /** Starts MAKE (which serves the pages and writes the status file's "starting") on a thread of its own. */
    static StartPages begin(Supplier<Pages> make) {
        return new StartPages(CompletableFuture.supplyAsync(make, task -> Thread.ofPlatform().name("jcalico-start-pages")
                .daemon().start(task)));
    }

    /** The pages once served; what the making threw, as it threw it. */
    Pages ready() {
        return Futures.joined(making);
    }

    /** Closes the listeners, once made (waited for: a listener bound after the agent stopped would outlive it). */
    @Override
    public void close() {
        Pages pages;
        try {
            pages = ready();
        } catch (RuntimeException e) {
            // the making failed: what it threw reached the agent through ready(), or the agent is failing already
            return;
        }
        // in the order the try-with-resources they replace closed them
        pages.served().close();
        pages.health().close();
    }
}
