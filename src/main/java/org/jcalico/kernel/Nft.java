package org.jcalico.kernel;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.jcalico.kernel.CommandRunner.Result;

/**
 * Applies nft scripts in a runner's network namespace, each as one transaction exactly as {@code nft -f -} applies
 * it (whole or not at all; a refused one changed nothing), with the same result: exit status, output, errors.
 *
 * <p>In-process through {@link Libnftables} when the library loads: no process per change. A context runs on a
 * platform thread of this object's own that first entered the runner's namespace ({@link ThreadNamespace}; none for
 * a runner in the process's own namespace, as the agent's is) and does nothing else, so neither the namespace nor
 * the context (which is not thread-safe) ever reaches other work; the context is opened on that thread, so its
 * netlink socket is in that namespace. The thread ends after {@value #IDLE_SECONDS} s without a script, freeing its
 * context and its hold on the namespace; the next script starts another. When the library cannot be loaded, every
 * script forks {@code nft -f -} as before, and the reason is written once to stderr (the agent's console log).
 *
 * <p>A script that does not finish within the runner's timeout is reported as failed (its effect unknown, as for a
 * forked nft that was killed), but a native call cannot be stopped: it may still commit. So the next script waits
 * behind it on the same thread rather than running beside it on another; a newer transaction never lands before an
 * older one. If the library never returns, every later script times out and fails: the kernel keeps what it had.
 */
public final class Nft {
    static final List<String> COMMAND = List.of("nft", "-f", "-");
    static final long IDLE_SECONDS = 30;
    private static final AtomicBoolean TOLD = new AtomicBoolean();
    /** The context of the thread running a script (its namespace entered), or why there is none. */
    private static final ThreadLocal<Entered> ENTERED = new ThreadLocal<>();
    private final CommandRunner runner;
    /** The namespace's path; null for the process's own. */
    private final String namespace;
    private final BiConsumer<String, Boolean> observer;
    private final long timeoutSeconds;
    /** At most one thread, made on first use (guarded by this); scripts run on it one after another, in order. */
    private ThreadPoolExecutor worker;

    Nft(CommandRunner runner, String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        this.runner = runner;
        this.namespace = namespace;
        this.observer = observer;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Whether scripts run in-process (libnftables loaded) rather than by forking nft. */
    public static boolean inProcess() {
        return Libnftables.loaded() != null;
    }

    /**
     * Runs the script as one transaction; never throws for a refused one (see {@link Result#check}). Input with a
     * control character other than the newlines between its lines is refused before anything runs, as on the forked
     * path ({@link CommandText}).
     */
    public Result apply(String script) {
        Libnftables library = Libnftables.loaded();
        if (library == null) {
            if (TOLD.compareAndSet(false, true)) {
                System.err.println("warning: " + Libnftables.failure() + ": nftables changes fork nft instead");
            }
            return runner.run(COMMAND, script);
        }
        CommandText.input(script);
        Result result = onThread(library, script);
        observer.accept(COMMAND.get(0), result.ok());
        return result;
    }

    /**
     * Makes ready, on other threads, what the first script needs (the library loaded, this object's thread in its
     * namespace with its context open) and returns at once: a caller that knows a script is coming lets that script
     * wait only for itself. Nothing is run in the kernel; without the library, nothing is done.
     */
    public void warm() {
        Thread.startVirtualThread(() -> {
            Libnftables library = Libnftables.loaded();
            if (library != null) {
                worker(library).execute(() -> { });
            }
        });
    }

    private synchronized ThreadPoolExecutor worker(Libnftables library) {
        if (worker == null) {
            worker = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), thread(library));
            worker.allowCoreThreadTimeOut(true);
        }
        return worker;
    }

    private synchronized Result onThread(Libnftables library, String script) {
        Future<Result> done = worker(library).submit(() -> ENTERED.get().run(script));
        try {
            return done.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // Not run if still queued. If running, it may yet commit: the next script waits behind it on the same
            // thread, never beside it on another, so an older transaction cannot land after a newer one.
            done.cancel(false);
            return new Result(COMMAND, 124, "", "timed out after " + timeoutSeconds + " s");
        } catch (ExecutionException e) {
            return new Result(COMMAND, 1, "", "libnftables: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(COMMAND, 130, "", "interrupted");
        }
    }

    private ThreadFactory thread(Libnftables library) {
        return work -> {
            Thread thread = new Thread(() -> {
                Entered entered = enter(library);
                ENTERED.set(entered);
                try {
                    work.run();
                } finally {
                    ENTERED.remove();
                    if (entered.context() != null) {
                        entered.context().close();
                    }
                }
            }, namespace == null ? "nft" : "nft " + namespace);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** On the new thread: its namespace entered and checked, then its context; or why not, which every script gets. */
    private Entered enter(Libnftables library) {
        try {
            if (namespace != null) {
                ThreadNamespace.enter(namespace);
            }
            return new Entered(library.open(), null);
        } catch (RuntimeException e) {
            return new Entered(null, e.getMessage());
        }
    }

    private record Entered(Libnftables.Context context, String failure) {
        Result run(String script) {
            if (context == null) {
                return new Result(COMMAND, 1, "", failure);
            }
            Libnftables.Outcome outcome = context.run(script);
            return new Result(COMMAND, outcome.status(), outcome.output(), outcome.errors());
        }
    }
}
