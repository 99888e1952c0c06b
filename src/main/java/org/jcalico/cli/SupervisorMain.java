package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import org.jcalico.agent.AgentOptions;
import org.jcalico.agent.Supervisor;

/**
 * The supervisor's entry point (`node start --supervisor`, as {@link AgentOptions#command} renders it): the supervisor
 * runs for as long as its node's agent does, so it starts without what {@link Main} loads for every command (picocli
 * and the whole command tree, about 700 classes that stayed in its metaspace for good), reads the arguments that
 * AgentOptions rendered for it, and fails as a command does (ErrorReport). docs/agent.md, "Memory".
 */
public final class SupervisorMain {
    private SupervisorMain() {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = Supervisor.run(AgentOptions.parse(List.of(args), AgentOptions.Role.SUPERVISOR));
        } catch (RuntimeException e) {
            status = ErrorReport.report(e, new PrintWriter(System.err), System.getenv("JCALICO_DEBUG") != null);
        }
        System.exit(status);
    }
}
