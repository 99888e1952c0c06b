package org.jcalico.e2e;

import java.util.List;

/** What a probe sends: the e2e suite's TCP on ports 80 and 81 and UDP on port 80, each in both families. */
public enum Traffic {
    TCP80("tcp", 80), TCP81("tcp", 81), UDP80("udp", 80);

    public static final List<Integer> FAMILIES = List.of(4, 6);

    private final String protocol;
    private final int port;

    Traffic(String protocol, int port) {
        this.protocol = protocol;
        this.port = port;
    }

    public String protocol() {
        return protocol;
    }

    public int port() {
        return port;
    }

    @Override
    public String toString() {
        return protocol + "/" + port;
    }
}
