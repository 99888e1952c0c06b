package org.jcalico.kernel;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Runs the kernel tools (ip, iptables-restore, ipset, sysctl ...), optionally inside a named network namespace.
 * Every change jcalico makes to a kernel goes through here, so a runner bound to a namespace confines it there.
 */
public final class CommandRunner {
    private static final long TIMEOUT_SECONDS = 60;
    /**
     * More than any tool's answer holds (an iptables-save or ipset save of a large host is a few MB; the gRPC listing's
     * cap is as large): a tool printing more is broken, and its output, kept whole, would fill the agent's heap.
     */
    static final int MAX_OUTPUT_BYTES = 64 << 20;
    private static final BiConsumer<String, Boolean> UNOBSERVED = (tool, ok) -> { };
    private final List<String> prefix;
    /** The network namespace's path; null for the caller's own. */
    private final String namespace;
    private final BiConsumer<String, Boolean> observer;
    private final long timeoutSeconds;

    private CommandRunner(String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        this.prefix = namespace == null ? List.of() : List.of("nsenter", "--net=" + namespace, "--");
        this.namespace = namespace;
        this.observer = observer;
        this.timeoutSeconds = timeoutSeconds;
    }

    private CommandRunner(String namespace) {
        this(namespace, UNOBSERVED, TIMEOUT_SECONDS);
    }

    /**
     * This runner, killing a command that runs longer than {@code seconds}: for probes that someone waits on (a
     * readiness check, a scrape), where a hung BIRD must cost seconds, not the minute a kernel change may take.
     */
    public CommandRunner withTimeout(long seconds) {
        return new CommandRunner(namespace, observer, seconds);
    }

    /**
     * This runner, telling {@code observer} the tool (the first argument) and whether it exited 0 after every command:
     * how the agent counts its iptables-restore and ipset runs without the drivers knowing of metrics.
     */
    public CommandRunner observedBy(BiConsumer<String, Boolean> observer) {
        return new CommandRunner(namespace, observer, timeoutSeconds);
    }

    /**
     * Whether the namespace file at {@code path} (/proc/PID/ns/net, /run/netns/NAME ...) is the network namespace this
     * runner's commands run in: both name the same nsfs inode. A path that cannot be read is not.
     */
    public boolean runsIn(Path path) {
        try {
            return Files.isSameFile(Path.of(namespace != null ? namespace : "/proc/self/ns/net"), path);
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs commands in the caller's own network namespace. */
    public static CommandRunner local() {
        return new CommandRunner((String) null);
    }

    /**
     * Runs commands inside /run/netns/NAME via nsenter, which keeps the machine's mounts (unlike "ip netns exec",
     * which gives a private /sys).
     */
    public static CommandRunner inNamespace(String name) {
        return new CommandRunner("/run/netns/" + name);
    }

    /** Runs commands inside the network namespace at a path (/proc/PID/ns/net, a bind mount ...). */
    public static CommandRunner atPath(String path) {
        return new CommandRunner(path);
    }


    public List<String> command(List<String> args) {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(args);
        return full;
    }

    public Result run(List<String> args) {
        return run(args, (ToolInput) null);
    }

    public Result run(String... args) {
        return run(List.of(args), (ToolInput) null);
    }

    /**
     * Runs the command with the given standard input; never throws for a non-zero exit (see {@link Result#check}).
     * An argument with a control character, or input with one other than the newlines between its lines, is refused
     * with a {@link KernelException} before anything runs (see {@link CommandText}).
     */
    public Result run(List<String> args, String stdin) {
        if (stdin != null) {
            CommandText.input(stdin);
        }
        return run(args, stdin == null ? null : new WholeText(stdin));
    }

    /**
     * Runs the command with input written to it as it is made (see {@link ToolInput}: its maker checked its lines);
     * otherwise as {@link #run(List, String)}.
     */
    public Result run(List<String> args, ToolInput stdin) {
        Result result = execute(args, stdin);
        observer.accept(args.get(0), result.ok());
        return result;
    }

    /**
     * Runs a person's command attached to this process's standard input, output and error, for as long as it runs (no
     * time limit: it is theirs to end, with Ctrl-C, which reaches it too); if this process is stopped first (SIGTERM),
     * the command is stopped with whatever it started, so nothing is left running. Returns its exit status (128 +
     * the signal's number for a command killed by a signal); an argument is checked as for {@link #run}.
     */
    public int runAttached(List<String> args) {
        args.forEach(CommandText::argument);
        AttachedCommand command = new AttachedCommand(new ProcessBuilder(command(args)).inheritIO());
        Thread stop = new Thread(command::stop);
        // before the start: a SIGTERM that comes while the command starts must find it (a hook added after the start
        // missed one that came in between, and the command ran on after this process had ended)
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            return command.start().waitFor();
        } catch (IOException e) {
            throw new KernelException("cannot run " + args.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            command.stop();
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is under way: it stops the command
            }
        }
    }

    /**
     * A long-lived process of the tool, in this runner's namespace, that takes batches on its input: see
     * {@link ToolSession}. Each batch counts as a run for the observer.
     */
    public ToolSession session(String... args) {
        return new ToolSession(command(List.of(args)), observer, timeoutSeconds);
    }

    /**
     * Applies nft scripts in this runner's namespace, each one transaction, in-process where libnftables loads: see
     * {@link Nft}. Each script counts as an nft run for the observer. One per user: it keeps a thread while in use.
     */
    public Nft nft() {
        return new Nft(this, namespace, observer, timeoutSeconds);
    }

    /**
     * Changes and reads routes and links of this runner's namespace in-process over rtnetlink: see {@link Rtnetlink}.
     * Each batch or dump counts for the observer as a run of "rtnetlink". One per user: it keeps a thread while in use.
     */
    public Rtnetlink rtnetlink() {
        return new Rtnetlink(namespace, observer, timeoutSeconds);
    }

    /**
     * Writes ipsets of this runner's namespace in-process over the kernel's ipset netlink protocol: see
     * {@link IpSetNetlink}. Each batch counts for the observer as a run of "ipset". One per user: it keeps a thread.
     */
    public IpSetNetlink ipSets() {
        return new IpSetNetlink(namespace, observer, timeoutSeconds);
    }

    /**
     * Reads and writes /proc/sys files of this runner's namespace in-process: see {@link ProcSys}. Each batch counts for
     * the observer as a run of "procsys". One per user: it keeps a thread while in use.
     */
    public ProcSys procSys() {
        return new ProcSys(namespace, observer, timeoutSeconds);
    }

    /**
     * Deletes tracked connections of this runner's namespace in-process over ctnetlink: see {@link Conntrack}. Each batch
     * counts for the observer as a run of "conntrack". One per user: it keeps a thread while in use.
     */
    public Conntrack conntrack() {
        return new Conntrack(namespace, observer, timeoutSeconds);
    }

    /** The nf_tables ruleset generation of this runner's namespace, read in-process (see {@link NfTables}). */
    public NfTables nfTables() {
        return new NfTables(namespace, timeoutSeconds);
    }

    /** Tells FOREIGN of each nf_tables commit in this runner's namespace that this process did not make: see {@link NfTablesCommits}. */
    public NfTablesCommits nfTablesCommits(Consumer<NfTablesCommits.Commit> foreign) {
        return new NfTablesCommits(namespace, foreign);
    }

    /**
     * Runs a tool once per batch through a long-lived shell in this runner's namespace rather than from the JVM: see
     * {@link ToolShell}. Each run counts for the observer under the tool's name, as a run here does.
     */
    public ToolShell shell() {
        return shell(List.of("sh"));
    }

    /**
     * As {@link #shell()}, the shell started by {@code shellCommand} ({@code env NAME=value ... sh}: a shell with the
     * environment a user's login shell on a host has, which the commands it starts inherit as a user's do).
     */
    public ToolShell shell(List<String> shellCommand) {
        return new ToolShell(this, new ToolSession(command(shellCommand), UNOBSERVED, timeoutSeconds), observer);
    }

    private Result execute(List<String> args, ToolInput stdin) {
        args.forEach(CommandText::argument);
        List<String> full = command(args);
        Process process;
        try {
            process = OwnProcesses.started(new ProcessBuilder(full).start());
        } catch (IOException e) {
            return new Result(full, 127, "", "cannot run " + args.get(0) + ": " + e.getMessage());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        // a tool printing without end is stopped at once: its result is refused whatever it says
        ToolOutput out = new ToolOutput(process.getInputStream(), MAX_OUTPUT_BYTES, () -> ProcessTree.kill(process));
        ToolOutput err = new ToolOutput(process.getErrorStream(), MAX_OUTPUT_BYTES, () -> ProcessTree.kill(process));
        // the timeout covers the input too: a tool that neither reads it nor exits would hold the write for ever
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> watchdog = ToolSession.TIMERS.schedule(() -> {
            timedOut.set(true);
            ProcessTree.kill(process);
        }, timeoutSeconds, TimeUnit.SECONDS);
        try {
            // the pipe takes 64 KiB at a time: a buffer as large writes each as one piece
            try (Writer in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), 1 << 16)) {
                if (stdin != null) {
                    stdin.writeTo(in);
                }
            } catch (IOException e) {
                // the tool exited (or was stopped) before reading all its input; its exit status and stderr tell why
            } catch (RuntimeException e) {
                // the input could not be made: the tool has part of it at most, and must not act on that
                ProcessTree.kill(process);
                throw e;
            }
            boolean exited = process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!exited || timedOut.get()) {
                ProcessTree.kill(process);
                return new Result(full, 124, text(out.until(System.nanoTime())), "timed out after " + timeoutSeconds + " s");
            }
            // the outputs end with the tool unless a process it left behind holds them: then not waited for
            long graceEnd = System.nanoTime() + ToolOutput.GRACE_NANOS;
            byte[] stdout = out.until(graceEnd);
            byte[] stderr = err.until(graceEnd);
            if (out.overflowed() || err.overflowed()) {
                return new Result(full, 125, "", "printed more than " + (MAX_OUTPUT_BYTES >> 20) + " MiB on its "
                        + (out.overflowed() ? "standard output" : "standard error") + ": stopped, its result not taken");
            }
            return new Result(full, process.exitValue(), text(stdout), text(stderr));
        } catch (InterruptedException e) {
            ProcessTree.kill(process);
            Thread.currentThread().interrupt();
            return new Result(full, 130, "", "interrupted");
        } finally {
            watchdog.cancel(false);
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** An input given whole, already checked by {@link CommandText#input}. */
    private record WholeText(String text) implements ToolInput {
        @Override
        public int length() {
            return text.length();
        }

        @Override
        public void writeTo(Writer out) throws IOException {
            out.write(text);
        }
    }

    /** What a command printed and how it ended. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** This result, or a {@link KernelException} naming the command and its first error line. */
        public Result check() {
            if (!ok()) {
                throw new KernelException(describe());
            }
            return this;
        }

        public String describe() {
            String tool = command.stream().filter(arg -> !arg.startsWith("--net=") && !arg.equals("nsenter") && !arg.equals("--"))
                    .limit(3).reduce((a, b) -> a + " " + b).orElse("?");
            String firstError = stderr.lines().filter(line -> !line.isBlank()).findFirst().orElse("exit status " + exitCode);
            return tool + ": " + firstError.strip();
        }
    }
}
