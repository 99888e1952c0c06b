package org.jcalico.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

/** The supervisor and the agent read back, without jcalico's command line parser, exactly the options its command line rendered. */
class AgentOptionsTest {
    @Test
    void theSupervisorReadsTheOptionsItsCommandLineRendered() {
        AgentOptions everything = new AgentOptions("h1", DatastoreUrl.parse("etcd://10.0.0.1:2379,10.0.0.2:2379"),
                IpAddress.parse("172.30.0.11"), IpAddress.parse("fd30::b"), 64512L, false, Path.of("/run/jc"),
                Path.of("/var/log/jc"), Path.of("/etc/docker/plugins"));
        AgentOptions least = new AgentOptions("node-7", DatastoreUrl.parse("embedded:/var/lib/jc/store.db"), null, null,
                null, true, Path.of("/run/jcalico"), Path.of("/var/log/jcalico"), null);
        for (AgentOptions options : List.of(everything, least)) {
            // the supervisor's and the agent's each from an entry point of its own (cli/SupervisorMain, cli/AgentMain)
            for (var role : java.util.Map.of(AgentOptions.Role.SUPERVISOR, JvmCommand.SUPERVISOR_MAIN,
                    AgentOptions.Role.AGENT, JvmCommand.AGENT_MAIN).entrySet()) {
                List<String> rendered = options.command(role.getKey());
                List<String> args = rendered.subList(rendered.indexOf(role.getValue()) + 1, rendered.size());
                assertEquals(options, AgentOptions.parse(args, role.getKey()));
                assertEquals(true, AgentOptions.isAgentCommand(rendered), "node stop finds it by its pid file: " + rendered);
            }
        }
        assertThrows(ValidationException.class, () -> AgentOptions.parse(least.arguments(AgentOptions.Role.AGENT),
                AgentOptions.Role.SUPERVISOR), "another role's arguments");
        List<String> extra = new ArrayList<>(least.arguments(AgentOptions.Role.SUPERVISOR));
        extra.add("--foreground");
        assertThrows(ValidationException.class, () -> AgentOptions.parse(extra, AgentOptions.Role.SUPERVISOR));
    }

    /**
     * The node record the agent would register is checked when the options are made, so `node start` refuses it
     * before it starts anything: an AS number out of range, an address of the wrong family or in a reserved network.
     */
    @Test
    void optionsTheNodeRecordWouldRefuseAreRefused() {
        Path run = Path.of("/run/jcalico");
        Path log = Path.of("/var/log/jcalico");
        DatastoreUrl store = DatastoreUrl.parse("embedded:/var/lib/jc/store.db");
        assertEquals("asNumber: '0' is not an AS number (1-4294967295)", assertThrows(ValidationException.class,
                () -> new AgentOptions("h1", store, null, null, 0L, true, run, log, null)).getMessage());
        assertEquals("asNumber: '4294967296' is not an AS number (1-4294967295)", assertThrows(ValidationException.class,
                () -> new AgentOptions("h1", store, null, null, 4294967296L, true, run, log, null)).getMessage());
        assertEquals("ipv4: 'fd30::b' is not an IPv4 address", assertThrows(ValidationException.class,
                () -> new AgentOptions("h1", store, IpAddress.parse("fd30::b"), null, null, true, run, log, null)).getMessage());
        assertThrows(ValidationException.class,
                () -> new AgentOptions("h1", store, IpAddress.parse("127.0.0.1"), null, null, true, run, log, null));
    }

    @Test
    void aRequiredOptionMissingIsAnErrorThatNamesIt() {
        AgentOptions least = new AgentOptions("node-7", DatastoreUrl.parse("embedded:/var/lib/jc/store.db"), null, null,
                null, true, Path.of("/run/jcalico"), Path.of("/var/log/jcalico"), null);
        for (String required : List.of("--name", "--run-dir", "--log-dir")) {
            List<String> args = new ArrayList<>(least.arguments(AgentOptions.Role.SUPERVISOR));
            int at = args.indexOf(required);
            args.subList(at, at + 2).clear();
            ValidationException e = assertThrows(ValidationException.class,
                    () -> AgentOptions.parse(args, AgentOptions.Role.SUPERVISOR));
            assertEquals(true, e.getMessage().contains("missing " + required), e.getMessage());
        }
    }
}
