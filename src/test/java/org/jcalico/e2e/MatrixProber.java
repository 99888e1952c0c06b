package org.jcalico.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jcalico.kernel.CommandRunner;

/**
 * Probes many cells at once: one bash per source pod, inside its network namespace, runs all of that pod's probes
 * as background jobs and prints one line per probe, so that a 9 x 9 matrix costs about one timeout and nine
 * namespace entries, not hundreds. A TCP probe is a connect (to busybox httpd); a UDP probe sends "ping" and
 * expects the pod's echo server to answer "pong" (read by head, which takes the datagram whole: bash's read takes one
 * byte of it and loses the rest). A probe that gets no answer within {@value #TIMEOUT_SECONDS} s
 * counts as denied.
 */
public final class MatrixProber {
    static final int TIMEOUT_SECONDS = 1;
    private static final String FUNCTIONS = """
            t() { if timeout %1$d bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; then echo "$1 1"; else echo "$1 0"; fi; }
            u() { if [ "$( ( exec 3<>"/dev/udp/$2/$3" && printf 'ping\\n' >&3 && timeout %1$d head -c 4 <&3 ) 2>/dev/null)" = pong ]; then echo "$1 1"; else echo "$1 0"; fi; }
            """.formatted(TIMEOUT_SECONDS);

    private MatrixProber() {
    }

    /** Every cell's outcome (true: the traffic got through), in the order given. */
    public static Map<Cell, Boolean> probe(List<Cell> cells) {
        Map<Pod, List<Integer>> bySource = new LinkedHashMap<>();
        for (int i = 0; i < cells.size(); i++) {
            bySource.computeIfAbsent(cells.get(i).from(), pod -> new ArrayList<>()).add(i);
        }
        boolean[] outcome = new boolean[cells.size()];
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (var source : bySource.entrySet()) {
                running.add(pool.submit(() -> probeFrom(source.getKey(), source.getValue(), cells, outcome)));
            }
            for (Future<?> future : running) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        Map<Cell, Boolean> result = new LinkedHashMap<>();
        for (int i = 0; i < cells.size(); i++) {
            result.put(cells.get(i), outcome[i]);
        }
        return result;
    }

    private static void probeFrom(Pod source, List<Integer> indexes, List<Cell> cells, boolean[] outcome) {
        StringBuilder script = new StringBuilder(FUNCTIONS);
        for (int index : indexes) {
            Cell cell = cells.get(index);
            script.append(cell.traffic().protocol().equals("tcp") ? "t " : "u ").append(index).append(' ')
                    .append(cell.to().address(cell.family())).append(' ').append(cell.traffic().port()).append(" &\n");
        }
        script.append("wait\n");
        CommandRunner.Result result = CommandRunner.inNamespace(source.netns()).run(List.of("bash", "-s"), script.toString());
        int seen = 0;
        for (String line : result.stdout().lines().toList()) {
            String[] parts = line.split(" ");
            outcome[Integer.parseInt(parts[0])] = parts[1].equals("1");
            seen++;
        }
        if (seen != indexes.size()) {
            throw new IllegalStateException("probes from " + source + " answered " + seen + " of " + indexes.size()
                    + ": " + result.describe());
        }
    }
}
