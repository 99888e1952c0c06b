package org.jcalico.kernel;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.jcalico.kernel.CommandRunner.Result;

/**
 * Applies nft scripts in a runner's network namespace, each as one transaction exactly as {@code nft -f -} applies
 * it (whole or not at all; a refused one changed nothing), with the same result: exit status, output, errors.
 *
 * <p>In-process through {@link Libnftables} when the library loads: no process per change. A context runs on a
 * {@link NamespaceThread} of this object's own, which entered the runner's namespace and opened the context there
 * (so its netlink socket is that namespace's) and does nothing else; the context (not thread-safe) never reaches
 * other work. When the library cannot be loaded, every script forks {@code nft -f -} as before, and the reason is
 * written once to stderr (the agent's console log).
 *
 * <p>A script that does not finish within the runner's timeout is reported as failed (its effect unknown, as for a
 * forked nft that was killed), but a native call cannot be stopped: it may still commit. So the next script waits
 * behind it on the same thread; a newer transaction never lands before an older one. If the library never returns,
 * every later script times out and fails: the kernel keeps what it had.
 */
public final class Nft {
    static final List<String> COMMAND = List.of("nft", "-f", "-");
    private static final AtomicBoolean TOLD = new AtomicBoolean();
    private final CommandRunner runner;
    private final BiConsumer<String, Boolean> observer;
    /** Made on first use, when the library loaded. */
    private final NamespaceThread<Libnftables.Context> thread;

    Nft(CommandRunner runner, String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        this.runner = runner;
        this.observer = observer;
        Libnftables library = Libnftables.loaded();
        this.thread = library == null ? null : new NamespaceThread<>(namespace, COMMAND.get(0), library::open, timeoutSeconds);
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
        if (thread == null) {
            if (TOLD.compareAndSet(false, true)) {
                System.err.println("warning: " + Libnftables.failure() + ": nftables changes fork nft instead");
            }
            return runner.run(COMMAND, script);
        }
        CommandText.input(script);
        Result result = onThread(script);
        observer.accept(COMMAND.get(0), result.ok());
        return result;
    }

    /**
     * Runs the script as one transaction after what is queued on the context's thread, and returns at once: its outcome
     * is not told, so it is for a transaction run for what it leaves in the context, not in the kernel (see {@code
     * NftablesDriver}'s settling after a whole replace). Nothing when scripts fork nft: a forked nft keeps no context.
     */
    public void applyLater(String script) {
        if (thread != null) {
            CommandText.input(script);
            thread.later(context -> context.run(script));
        }
    }

    private Result onThread(String script) {
        try {
            Libnftables.Outcome outcome = thread.run(context -> context.run(script));
            return new Result(COMMAND, outcome.status(), outcome.output(), outcome.errors());
        } catch (NamespaceThread.Unfinished e) {
            return new Result(COMMAND, e.status, "", e.getMessage());
        } catch (KernelException e) {
            return new Result(COMMAND, 1, "", e.getMessage());
        }
    }
}
