package org.jcalico.agent;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a running agent ({@link AgentRuntime#run}) is asked to stop, and waited for: its shutdown hook asks it at SIGTERM;
 * root's AOT cache training, which runs an agent inside its own JVM, asks it before that JVM writes the cache, so that
 * none of the agent's threads loads a class while the cache is written nor writes into its scratch directory after
 * the training deleted it (docs/agent.md, "Session 68 (p-idle3)"). {@link #request} returns once the agent's loop has
 * ended, what it served is closed and its background threads have stopped, or after {@code STOP_TIMEOUT_SECONDS}.
 */
public final class AgentStop {
    private static final long STOP_TIMEOUT_SECONDS = 10;
    private final AtomicBoolean requested = new AtomicBoolean();
    private final AtomicReference<Runnable> stopping = new AtomicReference<>(() -> { });
    private final CountDownLatch finished = new CountDownLatch(1);
    private final boolean atShutdown;

    private AgentStop(boolean atShutdown) {
        this.atShutdown = atShutdown;
    }

    /**
     * Requested by the JVM's shutdown (SIGTERM), once the agent serves: before, a shutdown does not wait for it (the
     * store's wait, the listing), as before there was this handle.
     */
    public static AgentStop atShutdown() {
        return new AgentStop(true);
    }

    /** Requested only by its holder (root's cache training). */
    public static AgentStop byCaller() {
        return new AgentStop(false);
    }

    /** Asks the agent to stop and waits until it has (bounded). */
    public void request() {
        requested.set(true);
        stopping.get().run();
        try {
            finished.await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean requested() {
        return requested.get();
    }

    /** What a request does once the agent serves (its loop told to end); run at once if a request came before. */
    void onRequest(Runnable action) {
        stopping.set(action);
        if (atShutdown) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::request));
        }
        if (requested.get()) {
            action.run();
        }
    }

    /** The agent has stopped: a request waits no longer. */
    void finished() {
        finished.countDown();
    }
}
