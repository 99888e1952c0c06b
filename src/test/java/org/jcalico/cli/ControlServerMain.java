package org.jcalico.cli;

import java.nio.file.Path;
import org.jcalico.agent.ControlServer;
import org.jcalico.log.Log;

/** An agent's local endpoint alone, in a process of its own, for tests that kill it: SOCKET DATASTORE NODE LOG. */
public final class ControlServerMain {
    private ControlServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Main.quietLibraryLogging();
        Log log = Log.open(Path.of(args[3]), false, "info");
        ControlServer.start(Path.of(args[0]), java.util.Map.of("/v1/run", new AgentDelegation(org.jcalico.datastore.DatastoreUrl.parse(args[1]), args[2], System.getenv(), log,
                new org.jcalico.agent.ServedResources(org.jcalico.datastore.DatastoreUrl.parse(args[1]), org.jcalico.kernel.CommandRunner.local()))::handle), log);
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
