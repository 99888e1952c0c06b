package org.jcalico.kernel;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One platform thread of its own that first enters a network namespace ({@link ThreadNamespace}; none for the
 * process's own namespace) and then opens a resource there (a libnftables context, a netlink socket: both belong to
 * the namespace they were opened in), and runs work with it, one piece after another, in order. It does nothing else,
 * so neither the namespace nor the resource (used by one thread only) reaches other work. The thread ends after
 * {@value #IDLE_SECONDS} s without work, closing its resource and letting go of the namespace; the next piece of work
 * starts another.
 *
 * <p>Work that does not finish within the timeout is reported as unfinished, but a native call cannot be stopped: it
 * may still take effect. So the next piece waits behind it on the same thread rather than running beside it on
 * another; a newer change never lands before an older one.
 */
final class NamespaceThread<R extends AutoCloseable> {
    static final long IDLE_SECONDS = 30;
    /** The resource of the thread running a piece of work (its namespace entered), or why there is none. */
    private final ThreadLocal<Entered<R>> entered = new ThreadLocal<>();
    /** The namespace's path; null for the process's own. */
    private final String namespace;
    private final String name;
    private final Supplier<R> open;
    private final long timeoutSeconds;
    /** At most one thread, made on first use (guarded by this). */
    private ThreadPoolExecutor worker;

    NamespaceThread(String namespace, String name, Supplier<R> open, long timeoutSeconds) {
        this.namespace = namespace;
        this.name = name;
        this.open = open;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Runs the work on the thread with its resource and returns its result; the work's own {@link KernelException}
     * is thrown as it is, anything else (a timeout, an interruption, another exception) as {@link Unfinished}.
     */
    <T> T run(Function<R, T> work) {
        Future<T> done = submit(work);
        try {
            return done.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // Not run if still queued. If running, it may yet take effect: the next piece waits behind it.
            done.cancel(false);
            throw new Unfinished(124, "timed out after " + timeoutSeconds + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KernelException kernel) {
                throw kernel;
            }
            throw new Unfinished(1, name + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unfinished(130, "interrupted");
        }
    }

    /**
     * Queues the work behind what was given before and returns at once: its outcome is not told, so it is for work whose
     * failure changes nothing. Work given after it waits for it, as after any other.
     */
    void later(Function<R, ?> work) {
        submit(work);
    }

    /**
     * {@link #run} for a netlink user: counted for the OBSERVER as a run of TOOL that went well unless REFUSED says the
     * kernel refused some of it; work that did not finish is {@link Rtnetlink.Interrupted} (its effect unknown).
     */
    <T> T observed(Function<R, T> work, Predicate<T> refused, String tool, BiConsumer<String, Boolean> observer) {
        try {
            T result = run(work);
            observer.accept(tool, !refused.test(result));
            return result;
        } catch (Unfinished e) {
            observer.accept(tool, false);
            throw new Rtnetlink.Interrupted(tool + ": " + e.getMessage());
        } catch (KernelException e) {
            observer.accept(tool, false);
            throw e;
        }
    }

    /**
     * Lets the thread end once the work given so far is done (its resource closed, its namespace let go) rather than
     * after {@value #IDLE_SECONDS} s idle: for a namespace entered once, such as a container's, which a thread left in
     * it would keep alive. No work may be given after.
     */
    synchronized void close() {
        if (worker != null) {
            worker.shutdown();
        }
    }

    private synchronized <T> Future<T> submit(Function<R, T> work) {
        if (worker == null) {
            worker = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), thread());
            worker.allowCoreThreadTimeOut(true);
        }
        return worker.submit(() -> work.apply(entered.get().resource()));
    }

    private ThreadFactory thread() {
        return work -> {
            Thread thread = new Thread(() -> {
                Entered<R> here = enter();
                entered.set(here);
                try {
                    work.run();
                } finally {
                    entered.remove();
                    here.close();
                }
            }, namespace == null ? name : name + " " + namespace);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** On the new thread: its namespace entered and checked, then its resource opened; or why not. */
    private Entered<R> enter() {
        try {
            if (namespace != null) {
                ThreadNamespace.enter(namespace);
            }
            return new Entered<>(open.get(), null);
        } catch (RuntimeException e) {
            return new Entered<>(null, e.getMessage());
        }
    }

    private record Entered<R extends AutoCloseable>(R opened, String failure) {
        /** The resource; every piece of work on a thread that could not enter or open fails with why. */
        R resource() {
            if (opened == null) {
                throw new KernelException(failure);
            }
            return opened;
        }

        void close() {
            if (opened != null) {
                try {
                    opened.close();
                } catch (Exception e) {
                    // the thread ends: nothing is left to use the resource, and nothing to tell
                }
            }
        }
    }

    /** Work that did not finish (timed out, interrupted) or failed outside the kernel; {@link #status} as a tool's exit. */
    static final class Unfinished extends KernelException {
        final int status;

        Unfinished(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
