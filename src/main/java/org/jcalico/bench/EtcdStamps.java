package org.jcalico.bench;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An etcd member's own measure of the requests it served, read from its /metrics page (started with `--metrics
 * extensive`, which adds the gRPC handling times): how long the KV service took to handle a Txn (every commit of
 * jcalico's store is one) and a Range, from the request's arrival at the gRPC server (the JSON gateway hands it over
 * on loopback) to its answer, which holds the raft round, its write-ahead log's fsync and the apply; the fsyncs and
 * the backend's (bbolt's) commits on their own; and the member's CPU and its Go runtime's collections. Beside the
 * client's time of a call, these say where a slow call's time went: in the disk, in etcd's other work, or outside etcd
 * (the gateway, the HTTP connection, the client's process); and whether a bigger store's member works more for the same
 * requests.
 */
record EtcdStamps(List<ScrapedHistogram> histograms, double cpuSeconds, long collections) {
    /** What each histogram measures, in the order of {@link #histograms}, then the two counters. */
    static final List<String> NAMES = List.of("Txn handled", "Range handled", "WAL fsync", "backend commit",
            "CPU s / Go GCs");
    private static final String KV = "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",";

    static EtcdStamps read(String page) {
        return new EtcdStamps(List.of(
                ScrapedHistogram.read(page, "grpc_server_handling_seconds", "grpc_method=\"Txn\"," + KV),
                ScrapedHistogram.read(page, "grpc_server_handling_seconds", "grpc_method=\"Range\"," + KV),
                ScrapedHistogram.read(page, "etcd_disk_wal_fsync_duration_seconds"),
                ScrapedHistogram.read(page, "etcd_disk_backend_commit_duration_seconds")),
                counter(page, "process_cpu_seconds_total"), (long) counter(page, "go_gc_duration_seconds_count"));
    }

    private static double counter(String page, String name) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(page);
        return line.find() ? Double.parseDouble(line.group(1)) : 0;
    }

    /** What was observed after {@code before} was read. */
    EtcdStamps since(EtcdStamps before) {
        return new EtcdStamps(java.util.stream.IntStream.range(0, histograms.size())
                .mapToObj(i -> histograms.get(i).since(before.histograms.get(i))).toList(),
                cpuSeconds - before.cpuSeconds, collections - before.collections);
    }

    /** Each histogram's count and the bucket bounds of its p50, p99 and slowest, in milliseconds; then the counters. */
    List<String> cells() {
        List<String> cells = new java.util.ArrayList<>(histograms.stream().map(h -> String.format("%,d: %s / %s / %s",
                h.count(), h.bound(50), h.bound(99), h.bound(100))).toList());
        cells.add(String.format("%.2f / %d", cpuSeconds, collections));
        return cells;
    }
}
