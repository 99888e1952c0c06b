package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.agent.AgentOptions;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as its supervisor starts it (AgentOptions.command(AGENT)): it reaches its datastore without building
 * jcalico's command line, and a datastore it cannot use is still one error line and exit status 1, as for a command.
 */
class AgentMainTest {
    @Test
    void theAgentStartsWithoutTheCommandLineParserAndReportsAnUnusableDatastoreInOneLine(@TempDir Path dir) throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        AgentOptions options = new AgentOptions("jcy-agent-main", DatastoreUrl.parse("etcd://127.0.0.1:" + closed),
                IpAddress.parse("192.0.2.7"), null, null, false, dir.resolve("run"), dir.resolve("log"), null);
        Path classes = dir.resolve("classes.log");
        List<String> command = new ArrayList<>(options.command(AgentOptions.Role.AGENT));
        command.add(1, "-Xlog:class+load:file=" + classes);
        CommandRunner.Result result = CommandRunner.local().run(command);

        assertEquals(1, result.exitCode(), result.stdout() + result.stderr());
        List<String> lines = result.stderr().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(1, lines.size(), result.stderr());
        assertTrue(lines.getFirst().startsWith("error: ") && lines.getFirst().contains("127.0.0.1:" + closed), lines.getFirst());
        List<String> picocli = Files.readAllLines(classes).stream().filter(line -> line.contains(" picocli.")).toList();
        assertEquals(0, picocli.size(), "the agent's start loads no class of the command line's parser: "
                + picocli.subList(0, Math.min(3, picocli.size())));
    }
}
