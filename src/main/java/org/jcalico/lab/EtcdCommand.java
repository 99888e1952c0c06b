package org.jcalico.lab;

import java.nio.file.Path;
import java.util.List;

/** The command line of one etcd member, for the lab's cluster and the benchmarks' own etcd. */
public final class EtcdCommand {
    private EtcdCommand() {
    }

    /** @param host the member's address (clients on :2379, peers on :2380); @param cluster NAME=PEER_URL,... */
    public static List<String> of(String name, String host, Path data, String cluster) {
        String self = "http://" + host;
        return List.of("etcd", "--name", name, "--data-dir", data.toString(),
                "--listen-client-urls", self + ":2379", "--advertise-client-urls", self + ":2379",
                "--listen-peer-urls", self + ":2380", "--initial-advertise-peer-urls", self + ":2380",
                "--initial-cluster", cluster, "--log-level", "error",
                // idle watchers hear from etcd well within the agents' watch deadline (30 s), so quiet streams are kept
                "--experimental-watch-progress-notify-interval", "10s");
    }
}
