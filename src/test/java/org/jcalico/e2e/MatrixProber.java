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
 * Probes many cells at once: one perl process per source pod, inside its network namespace, opens all of that pod's
 * probes as non-blocking sockets and waits for them together, so that a 9 x 9 matrix costs one timeout and nine
 * processes, not hundreds (forking a process per probe overloads a 2-core machine and then the forks themselves
 * outlast the timeout). A TCP probe is a connect; a UDP probe sends "ping" and expects the pod's
 * echo server to answer "pong". A probe without an answer counts as denied once {@value #FLOOR_SECONDS} s have passed
 * and {@value #SLOWEST_FACTOR} times the slowest answer of the same process, never later than {@value #CAP_SECONDS} s
 * (the old fixed timeout): a matrix mostly waits on its denied cells, and an allowed cell answers in milliseconds
 * unless the machine is slow, which the answers of the allowed cells show. Answers that arrived while the prober was
 * not scheduled are collected before anything is counted as denied.
 * perl-base, with IO::Socket::IP, is part of every Debian system.
 */
public final class MatrixProber {
    static final double FLOOR_SECONDS = 0.5;
    static final int SLOWEST_FACTOR = 3;
    static final double CAP_SECONDS = 1;
    /**
     * Arguments: the floor, factor and cap, then ID,PROTO,ADDRESS,PORT per probe; prints "ID 1" (got through) or
     * "ID 0".
     */
    private static final String PROBER = """
use strict; use IO::Socket::IP; use IO::Select; use Socket qw(SOL_SOCKET SO_ERROR); use Time::HiRes qw(time);
my ($floor, $factor, $cap) = splice @ARGV, 0, 3; my (%pending, %result);
my ($reads, $writes) = (IO::Select->new, IO::Select->new);
my $sent = time; my $slowest = 0;
for my $probe (@ARGV) {
  my ($id, $proto, $addr, $port) = split /,/, $probe;
  my $s = IO::Socket::IP->new(PeerHost => $addr, PeerPort => $port, Proto => $proto, Blocking => 0);
  if (!$s) { $result{$id} = 0; next; }
  $pending{fileno $s} = [$id, $proto, $s];
  if ($proto eq 'udp') { $s->send("ping\n"); $reads->add($s); } else { $writes->add($s); }
}
my $start = time;
sub collect {
  my ($r, $w) = IO::Select->select($reads, $writes, undef, $_[0]);
  for my $s (@{$r || []}) { my ($id) = @{delete $pending{fileno $s}}; my $d; my $ok = defined $s->recv($d, 64) && $d eq "pong\n"; $result{$id} = $ok ? 1 : 0; $reads->remove($s); $slowest = time - $sent if $ok; }
  for my $s (@{$w || []}) { my ($id) = @{delete $pending{fileno $s}}; my $ok = $s->getsockopt(SOL_SOCKET, SO_ERROR) == 0; $result{$id} = $ok ? 1 : 0; $writes->remove($s); $slowest = time - $sent if $ok; }
}
while (%pending) {
  my $limit = $factor * $slowest > $floor ? $factor * $slowest : $floor; $limit = $cap if $limit > $cap;
  my $left = $start + $limit - time;
  last if $left <= 0;
  collect($left);
}
collect(0) if %pending;
$result{$_->[0]} //= 0 for values %pending;
print "$_ $result{$_}\n" for sort { $a <=> $b } keys %result;
            """;

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
        List<String> command = new ArrayList<>(List.of("perl", "-", String.valueOf(FLOOR_SECONDS), String.valueOf(SLOWEST_FACTOR),
                String.valueOf(CAP_SECONDS)));
        for (int index : indexes) {
            Cell cell = cells.get(index);
            command.add(index + "," + cell.traffic().protocol() + "," + cell.to().address(cell.family()) + "," + cell.traffic().port());
        }
        CommandRunner.Result result = CommandRunner.inNamespace(source.netns()).run(command, PROBER);
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
