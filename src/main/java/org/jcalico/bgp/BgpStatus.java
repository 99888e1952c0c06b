package org.jcalico.bgp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/** BIRD's view of this node's BGP sessions, read with `birdc show protocols`. */
public final class BgpStatus {
    /** One session as BIRD reports it; type and peer come from the protocol name jcalico gave it. */
    public record Session(String type, int version, String peer, String state, String since, String info) {
        public boolean established() {
            return info.startsWith("Established");
        }

        /** Shut by BIRD because the peer announced more routes inside the pools than the session's import limit. */
        public boolean shutByImportLimit() {
            return info.contains("Route limit exceeded");
        }
    }

    private BgpStatus() {
    }

    static final long QUERY_TIMEOUT_SECONDS = 5;

    public static List<Session> read(CommandRunner runner, Path socket) {
        // readiness probes, scrapes and `node status` wait on this: a hung BIRD is "not answering" within seconds
        CommandRunner.Result result = runner.withTimeout(QUERY_TIMEOUT_SECONDS).run("birdc", "-s", socket.toString(), "show", "protocols");
        if (!result.ok()) {
            throw new org.jcalico.kernel.KernelException("BIRD is not answering on " + socket + ": "
                    + (result.stdout() + result.stderr()).strip());
        }
        return parse(result.stdout());
    }

    static List<Session> parse(String output) {
        List<Session> sessions = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] cells = line.strip().split("\\s+", 6);
            if (cells.length < 5 || !cells[1].equals("BGP")) {
                continue;
            }
            String name = cells[0];
            int underscore = name.indexOf('_');
            if (underscore < 2) {
                continue;
            }
            String type = name.substring(0, underscore - 1);
            int version = name.charAt(underscore - 1) - '0';
            String peer = name.substring(underscore + 1);
            peer = version == 4 ? peer.replace('_', '.') : peer.replace('_', ':');
            sessions.add(new Session(type, version, peer, cells[3], cells[4], cells.length > 5 ? cells[5].strip() : ""));
        }
        return sessions;
    }
}
