package org.jcalico.e2e;

import java.util.List;

/** What a probe sends: TCP (a connect) or UDP (a datagram that the pod's echo server answers) to one port. */
public record Traffic(String protocol, int port) {
    /** The Kubernetes e2e suite's probes. */
    public static final Traffic TCP80 = new Traffic("tcp", 80);
    public static final Traffic TCP81 = new Traffic("tcp", 81);
    public static final Traffic UDP80 = new Traffic("udp", 80);
    public static final List<Traffic> NETPOL = List.of(TCP80, TCP81, UDP80);
    /** The port of the database in Calico's documentation examples. */
    public static final Traffic TCP6379 = new Traffic("tcp", 6379);
    public static final List<Integer> FAMILIES = List.of(4, 6);

    @Override
    public String toString() {
        return protocol + "/" + port;
    }
}
