package org.jcalico.testing;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/** busybox ping from a namespace at a fixed interval, until {@link #stop}: what a user watching the dataplane sees. */
public final class ContinuousPing {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received");
    private static final Pattern REPLY = Pattern.compile("seq=(\\d+) ");
    /**
     * Echoes sent this long before the stop whose answers were not read are in flight, not lost: on a loaded machine
     * ping can be interrupted between its last echo and reading the answer (CI, session 33: the last of 206 echoes, the
     * only one unanswered). Callers stop ping longer than this after the event they watch.
     */
    private static final int IN_FLIGHT_MILLIS = 200;
    private final Process process;
    private final int intervalMillis;
    private final long started = System.nanoTime();
    /** Reads the output as it comes: a full pipe would block ping's receiving loop while its timer still sends. */
    private final java.util.concurrent.CompletableFuture<String> output;

    private ContinuousPing(Process process, int intervalMillis) {
        this.process = process;
        this.intervalMillis = intervalMillis;
        this.output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
    }

    /** Milliseconds since the ping started: to set events beside the gaps of {@link Counts#gaps}. */
    public long elapsedMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    public static ContinuousPing start(String namespace, IpAddress to, int intervalMillis) throws IOException {
        return new ContinuousPing(new ProcessBuilder(CommandRunner.inNamespace(namespace).command(List.of("busybox", "ping",
                "-i", String.valueOf(intervalMillis / 1000.0), to.toString()))).redirectErrorStream(true).start(), intervalMillis);
    }

    /** Stops the ping as Ctrl-C would and reads its summary. */
    public Counts stop() throws InterruptedException, java.util.concurrent.ExecutionException {
        CommandRunner.local().run("kill", "-INT", Long.toString(process.pid())).check();
        String output = this.output.get();
        process.waitFor();
        return counts(output, intervalMillis);
    }

    /** What busybox ping's OUTPUT, sent every INTERVAL_MILLIS, says was answered and when the rest was sent. */
    static Counts counts(String output, int intervalMillis) {
        Matcher summary = SUMMARY.matcher(output);
        if (!summary.find()) {
            throw new AssertionError("no ping summary: " + output);
        }
        int transmitted = Integer.parseInt(summary.group(1));
        java.util.BitSet answered = new java.util.BitSet(transmitted);
        for (Matcher reply = REPLY.matcher(output); reply.find(); ) {
            answered.set(Integer.parseInt(reply.group(1)));
        }
        int inFlight = transmitted - 1 - answered.previousSetBit(transmitted - 1);
        if (inFlight > 0 && (long) inFlight * intervalMillis <= IN_FLIGHT_MILLIS) {
            transmitted -= inFlight;
        }
        java.util.List<String> gaps = new java.util.ArrayList<>();
        for (int first = answered.nextClearBit(0); first < transmitted; first = answered.nextClearBit(first)) {
            int end = Math.min(answered.nextSetBit(first) < 0 ? transmitted : answered.nextSetBit(first), transmitted);
            gaps.add((long) first * intervalMillis + "-" + (long) end * intervalMillis + " ms");
            first = end;
        }
        return new Counts(transmitted, Integer.parseInt(summary.group(2)), gaps);
    }

    /** gaps: when unanswered pings were sent, in milliseconds since the ping started. */
    public record Counts(int transmitted, int received, java.util.List<String> gaps) {
        public int lost() {
            return transmitted - received;
        }

        @Override
        public String toString() {
            return received + " of " + transmitted + " received" + (gaps.isEmpty() ? "" : ", unanswered " + gaps);
        }
    }
}
