package org.jcalico.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.jcalico.util.BoundedInput;

/**
 * One long-lived tool process (the interface driver's {@code sh}, the ipset driver's {@code ipset -}, the shell of a
 * {@link ToolShell}) that takes batch after batch on its standard input,
 * so that a change costs a write to a pipe rather than starting a process. Its standard output and error are one
 * stream, in the order the tool wrote them; the caller ends each batch with a line whose answer it recognises
 * (see {@link #exchange}), which tells it that the tool has done every line before.
 *
 * <p>A tool that exits, is killed or does not answer within the timeout is an {@link Ended}: the caller cannot know
 * which lines of that batch took effect, so it must not believe any did (it reads the kernel back, or repeats lines
 * that are idempotent). The next exchange starts a fresh process. A process idle for {@link #IDLE_SECONDS} is ended
 * (its input closed), so that sessions of short-lived users (tests, namespaces deleted) do not linger; the next
 * exchange starts it again. So is one that has answered {@link #BATCHES_PER_PROCESS} batches: a long-lived
 * iptables-restore's resident memory grew from 2.1 to 2.75 MB over 3,000 small batches, which a busy host never idle
 * for 30 s would otherwise let grow for ever; one start in 10,000 batches costs nothing that shows.
 */
public final class ToolSession {
    static final long IDLE_SECONDS = 30;
    static final int BATCHES_PER_PROCESS = 10_000;
    /**
     * The most a tool may print in answer to one batch: its answers are a line or two, a refusal a few more. A tool
     * printing without end (lines or none) filled the agent's heap before the timeout came.
     */
    static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final SecureRandom NONCES = new SecureRandom();
    /**
     * The kernel package's one timer thread: sessions' idle ends and the watchdogs of every tool run. A virtual one: it
     * waits nearly all its life, and what it runs (an end of input, a kill) is short (docs/agent.md, "Memory", session
     * 66).
     */
    static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("tool-session-timer").factory());
    private final List<String> command;
    private final BiConsumer<String, Boolean> observer;
    private final long timeoutSeconds;
    private Process process;
    private OutputStream input;
    private BufferedReader output;
    private BoundedInput answer;
    private ScheduledFuture<?> idleEnd;
    /** Lines the current process has been sent, and batches it has answered. */
    private long linesSent;
    private int batchesAnswered;

    ToolSession(List<String> command, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        command.forEach(CommandText::argument);
        this.command = List.copyOf(command);
        this.observer = observer;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The tool's name, for messages: the first argument after the runner's nsenter prefix. */
    public String tool() {
        int separator = command.indexOf("--");
        return command.get(command.get(0).equals("nsenter") && separator >= 0 ? separator + 1 : 0);
    }

    /**
     * Writes {@code batch} (lines, each ending in a newline) and reads the tool's output up to and including the
     * first line {@code last} accepts. Input with a control character other than the newlines between lines is refused
     * before anything is written.
     *
     * @throws Ended when the tool ends or times out first: what the batch did is unknown; it holds what the tool
     *         printed of this batch and where the batch began in the process's input
     */
    public List<String> exchange(String batch, Predicate<String> last) {
        return exchange(batch, last, answer -> true);
    }

    /**
     * As {@link #exchange(String, Predicate)}; the run counts as one that went well for the observer (a tool's exit 0)
     * only when {@code confirmed} accepts the whole answer: a batch the tool refused part of, or answered in a way that
     * leaves its effect unknown, is a failed run, as a non-zero exit is for a process of its own.
     */
    public synchronized List<String> exchange(String batch, Predicate<String> last, Predicate<List<String>> confirmed) {
        CommandText.input(batch);
        if (idleEnd != null) {
            idleEnd.cancel(false);
        }
        boolean answered = false;
        boolean ok = false;
        ScheduledFuture<?> watchdog = null;
        // set before the kill, not read from the watchdog's own state: that is done only after the kill has also
        // stopped the tool's children, and the end of the output can be read between the two
        AtomicBoolean timedOut = new AtomicBoolean();
        List<String> lines = new ArrayList<>();
        long firstLine = 1;
        try {
            start();
            Process running = process;
            answer.renew();
            firstLine = linesSent + 1;
            linesSent += batch.chars().filter(c -> c == '\n').count();
            watchdog = TIMERS.schedule(() -> {
                timedOut.set(true);
                ProcessTree.kill(running);
            }, timeoutSeconds, TimeUnit.SECONDS);
            try {
                input.write(batch.getBytes(StandardCharsets.UTF_8));
                input.flush();
            } catch (IOException e) {
                throw ended("its input closed (" + e.getMessage() + ")", lines, firstLine);
            }
            while (true) {
                String line;
                try {
                    line = output.readLine();
                } catch (IOException e) {
                    line = null;
                }
                if (line == null) {
                    throw ended(answer.exceeded() ? "it printed more than " + answer.size()
                            : timedOut.get() ? "it did not answer within " + timeoutSeconds + " s" : "it exited",
                            lines, firstLine);
                }
                lines.add(line);
                if (last.test(line)) {
                    answered = true;
                    ok = confirmed.test(lines);
                    return lines;
                }
            }
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            if (!answered || ++batchesAnswered >= BATCHES_PER_PROCESS) {
                end();
            } else {
                idleEnd = TIMERS.schedule(this::end, IDLE_SECONDS, TimeUnit.SECONDS);
            }
            observer.accept(tool(), ok);
        }
    }

    /**
     * A fresh, unguessable word for a batch's closing marker: no line of a batch's input can end it early, and no
     * line a tool prints passes for its answer.
     */
    public static String nonce() {
        return HexFormat.of().toHexDigits(NONCES.nextLong());
    }

    /**
     * Starts the process in the background unless one runs, so that the next exchange finds it ready: for a user
     * whose batch went to a process of its own (a cold start's restore, too large for the session) and whose next,
     * small batches (an endpoint's arrival) should not wait for the tool's start. Idle, it ends as after an exchange.
     * A start that fails is not reported here: the next exchange tries again and reports it.
     */
    public void prepare() {
        Thread.startVirtualThread(() -> {
            synchronized (this) {
                if (process != null && process.isAlive()) {
                    return;
                }
                try {
                    start();
                } catch (Ended e) {
                    return;
                }
                if (idleEnd != null) {
                    idleEnd.cancel(false);
                }
                idleEnd = TIMERS.schedule(this::end, IDLE_SECONDS, TimeUnit.SECONDS);
            }
        });
    }

    /** Ends the process, if one runs; the next exchange starts another. */
    public synchronized void end() {
        if (process == null) {
            return;
        }
        try {
            input.close();
        } catch (IOException e) {
            // it is gone already
        }
        ProcessTree.kill(process);
        try {
            output.close();
        } catch (IOException e) {
            // nothing left to read
        }
        process = null;
    }

    /** The process's id, starting it if needed: for tests that kill it. */
    public synchronized long pid() {
        start();
        return process.pid();
    }

    private void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        end();
        try {
            process = OwnProcesses.started(new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new Ended("cannot run " + tool() + ": " + e.getMessage(), List.of(), 1);
        }
        linesSent = 0;
        batchesAnswered = 0;
        input = process.getOutputStream();
        answer = BoundedInput.whole(process.getInputStream(), tool() + " printed", MAX_ANSWER_BYTES);
        output = new BufferedReader(new InputStreamReader(answer, StandardCharsets.UTF_8));
    }

    private Ended ended(String why, List<String> printed, long firstLine) {
        return new Ended(tool() + " ended before it confirmed its batch: " + why, printed, firstLine);
    }

    /** The tool ended before it answered a batch, which may have been done in part. */
    public static final class Ended extends KernelException {
        private final List<String> output;
        private final long firstLine;

        Ended(String message, List<String> output, long firstLine) {
            super(message);
            this.output = List.copyOf(output);
            this.firstLine = firstLine;
        }

        /** What the tool printed after the batch was sent, up to its end (often why it ended). */
        public List<String> output() {
            return output;
        }

        /**
         * The number, in the process's whole input, of the batch's first line: a tool that counts its input lines
         * over its life (iptables-restore) names a refused line by that count.
         */
        public long firstLine() {
            return firstLine;
        }
    }
}
