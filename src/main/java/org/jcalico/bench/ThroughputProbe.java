package org.jcalico.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/**
 * What one path between two workloads carries, measured from inside the client's namespace: an iperf3 TCP run to
 * the server's iperf3, the round-trip times of a burst of pings, and the CPU a round trip costs (pings back to back).
 *
 * <p>Every path runs on one CPU, {@link #CPU}: iperf3's client and server and ping. A veth hands a packet to the
 * backlog of the CPU that sent it, so the forward path of both hosts and the fabric runs there too, in softirq: a run
 * carries what one CPU can push through the whole path, which is the per-packet cost the bench is about, and the
 * other CPU takes most of the rest of the machine's load. With one end per CPU, a run halved (or doubled) whenever
 * another process took the server's CPU (docs/dataplane.md, "Whether a run can decide the target").
 *
 * <p>A path is measured {@link #together} with the floor's: both on CPU 0 in the same second, so that the vCPU's speed,
 * which moves within a second (session 45), falls on both alike (docs/dataplane.md, "Session 67 (p-thru)").
 */
final class ThroughputProbe {
    static final int CPU = 0;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PORT = 5201;
    private static final Pattern RTT = Pattern.compile("time=([0-9.]+) ms");
    private static final Pattern TIMES = Pattern.compile("(?m)^([0-9]+\\.[0-9]+) ([0-9]+\\.[0-9]+)$");
    private final CommandRunner client;
    private final IpAddress server;

    ThroughputProbe(String clientNamespace, IpAddress server) {
        this.client = CommandRunner.inNamespace(clientNamespace);
        this.server = server;
    }

    /** Starts iperf3's server in the namespace; it dies with the namespace, or when the caller destroys it. */
    static Process serveIn(String namespace) {
        try {
            return new ProcessBuilder("nsenter", "--net=/run/netns/" + namespace, "--", "taskset", "-c", String.valueOf(CPU), "iperf3", "-s", "-p",
                    String.valueOf(PORT)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start iperf3 (apt-get install iperf3): " + e.getMessage(), e);
        }
    }

    /**
     * One iperf3 TCP run: what the receiver got, and the CPU its two processes used (user and system, as iperf3
     * reports it, in percent of one CPU each; a kernel without IRQ time accounting, as this machine's, charges them
     * the forwarding softirqs they run).
     */
    record Run(double bitsPerSecond, double cpuPercent) {
        /** Bits carried per CPU-second of the two ends: less hostage to the machine's load than the rate alone. */
        double bitsPerCpuSecond() {
            return bitsPerSecond / (cpuPercent / 100);
        }
    }

    /**
     * One measure of two paths at once: {@code measure} of {@code first} and, {@code offsetMillis} after it started,
     * of {@code second} (pings 10 ms apart take turns that way instead of meeting on the CPU); both results, in order.
     */
    static <T> List<T> together(ThroughputProbe first, ThroughputProbe second, long offsetMillis,
                                Function<ThroughputProbe, T> measure) {
        CompletableFuture<T> early = CompletableFuture.supplyAsync(() -> measure.apply(first), Thread::startVirtualThread);
        try {
            Thread.sleep(offsetMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        T late = measure.apply(second);
        try {
            return List.of(early.join(), late);
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** One TCP run of {@code seconds}. */
    Run run(int seconds) {
        CommandRunner.Result result = client.run("iperf3", "-c", server.toString(), "-p", String.valueOf(PORT), "-t",
                String.valueOf(seconds), "-A", String.valueOf(CPU), "-J");
        try {
            JsonNode end = JSON.readTree(result.stdout()).path("end");
            JsonNode received = end.path("sum_received").path("bits_per_second");
            JsonNode cpu = end.path("cpu_utilization_percent");
            if (!result.ok() || !received.isNumber()) {
                throw new IllegalStateException("iperf3 to " + server + " failed: " + result.describe());
            }
            return new Run(received.asDouble(), cpu.path("host_total").asDouble() + cpu.path("remote_total").asDouble());
        } catch (IOException e) {
            throw new IllegalStateException("iperf3 to " + server + " printed no report: " + result.describe(), e);
        }
    }

    /**
     * The CPU one round trip costs, in microseconds: {@code count} pings sent back to back (each as soon as the last is
     * answered), the ping's user and system time over the count. A round trip's whole forward path through both hosts
     * runs in the softirq of the ping's own send on {@link #CPU}, charged to it (no IRQ time accounting), so this is
     * the path's cost without the idle CPU's wake-up that a ping 10 ms apart waits for (docs/dataplane.md, "Session 64
     * (p-rtt)"). A lost ping fails the run.
     */
    double cpuPerRoundTrip(int count) {
        CommandRunner.Result result = client.run("bash", "-c", "LC_ALL=C; TIMEFORMAT='%3U %3S'; time taskset -c " + CPU
                + " busybox ping -A -q -c " + count + " -W 2 " + server);
        if (!result.ok() || !result.stdout().contains(count + " packets received")) {
            throw new IllegalStateException("back-to-back pings to " + server + " were not all answered: " + result.describe());
        }
        return cpuPerRoundTrip(result.stderr(), count);
    }

    /** Microseconds of CPU a round trip from bash's {@code time} line ("USER SYS" in seconds) of {@code count} pings. */
    static double cpuPerRoundTrip(String timeLine, int count) {
        Matcher matcher = TIMES.matcher(timeLine);
        if (!matcher.find()) {
            throw new IllegalStateException("no CPU times in " + timeLine.strip());
        }
        return (Double.parseDouble(matcher.group(1)) + Double.parseDouble(matcher.group(2))) * 1e6 / count;
    }

    /**
     * The RTT of each of {@code count} pings sent back to back (each as soon as the last is answered), in microseconds
     * (busybox prints them to the microsecond); a lost ping fails the run. Back to back, a round trip's whole path runs
     * in the softirq of the ping's own send, warm in the caches: what the path itself takes, where a ping 10 ms apart
     * waits for the idle CPU's wake-up and meets caches the rest of the machine's load has left cold, which that load
     * sets ping by ping (docs/dataplane.md, "Session 68 (p-thru3)").
     */
    List<Long> roundTrips(int count) {
        CommandRunner.Result result = client.run("taskset", "-c", String.valueOf(CPU), "busybox", "ping", "-A", "-c", String.valueOf(count), "-W", "2",
                server.toString());
        List<Long> micros = new ArrayList<>();
        Matcher matcher = RTT.matcher(result.stdout());
        while (matcher.find()) {
            micros.add(Math.round(Double.parseDouble(matcher.group(1)) * 1000));
        }
        if (micros.size() != count) {
            throw new IllegalStateException(count - micros.size() + " of " + count + " pings to " + server
                    + " were not answered: " + result.describe());
        }
        return micros;
    }

    /**
     * A burst's typical round trip, in microseconds: the mean of its RTTs up to twice their median. A ping whose
     * round trip the scheduler cut (the other path's ping or another process given CPU 0 between the send and the
     * answer) reads milliseconds and is left out; the rest are averaged, not their median taken, because each RTT is
     * a difference of two clock readings truncated to the microsecond: their mean is the path's time to a fraction of
     * a microsecond, their median a whole microsecond, a sixth of a round trip here.
     */
    static double typicalRoundTrip(List<Long> micros) {
        if (micros.isEmpty()) {
            throw new IllegalArgumentException("no round trips");
        }
        long bound = 2 * Percentiles.of(Latencies.sorted(micros), 50);
        return micros.stream().filter(rtt -> rtt <= bound).mapToLong(Long::longValue).average().orElseThrow();
    }
}
