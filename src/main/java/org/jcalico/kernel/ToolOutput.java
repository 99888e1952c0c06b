package org.jcalico.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One output (standard output or error) of a process jcalico runs, read on a virtual thread of its own as it comes,
 * so that the process never waits to write, and kept up to a bound: an output without end, kept whole, would fill the
 * heap of the agent that ran it. What comes beyond the bound is read and dropped, after telling the owner once.
 *
 * <p>The output ends when every process holding its pipe has closed it, not when the tool exits: a process the tool
 * left behind (a daemon started without closing its outputs) holds it for as long as it lives. So whoever waits for
 * it gives a deadline ({@link #until}); {@link #GRACE_NANOS} after the tool's exit all the tool printed has been read.
 */
public final class ToolOutput {
    /**
     * How long an output may stay open once its tool has exited: by then at most a pipe's 64 KiB of what it printed is
     * left to read, and only a process it left behind can hold the pipe open.
     */
    public static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final int bound;
    private final Runnable overflow;
    private final CompletableFuture<Void> ended;
    private volatile boolean overflowed;

    /**
     * Starts reading {@code stream}; {@code overflow} runs once, on the reader's thread, when more than {@code bound}
     * bytes have come (the owner's choice: stop the process, or let it finish while the rest is dropped).
     */
    public ToolOutput(InputStream stream, int bound, Runnable overflow) {
        this.bound = bound;
        this.overflow = overflow;
        this.ended = CompletableFuture.runAsync(() -> read(stream), Thread::startVirtualThread);
    }

    private void read(InputStream stream) {
        byte[] chunk = new byte[1 << 14];
        try (stream) {
            for (int n; (n = stream.read(chunk)) >= 0; ) {
                int room = bound - kept.size();
                kept.write(chunk, 0, Math.min(n, room));
                if (n > room && !overflowed) {
                    overflowed = true;
                    overflow.run();
                }
            }
        } catch (IOException e) {
            // the output is gone: what came before is all there is
        }
    }

    /**
     * What came, once the output ended or, when something still holds it open, at {@code deadline} (of
     * {@link System#nanoTime}). A read blocked on a pipe cannot be cut short in Java, so the reader then stays until
     * that process closes the output (or exits), dropping what comes; it is not jcalico's to kill.
     */
    public byte[] until(long deadline) throws InterruptedException {
        try {
            ended.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // held open past the deadline: what came so far is the answer
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return kept.toByteArray();
    }

    /** Whether more than the bound came (so far): what {@link #until} gives is then only the output's beginning. */
    public boolean overflowed() {
        return overflowed;
    }
}
