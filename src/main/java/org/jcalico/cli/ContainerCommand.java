package org.jcalico.cli;

import java.util.List;
import java.util.Map;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.WorkloadEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "container", mixinStandardHelpOptions = true, description = "Containers (workload endpoints) on the network.",
        subcommands = {ContainerCommand.ListContainers.class})
final class ContainerCommand {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List endpoints with their node, interface, addresses, profiles and the status their node's agent reported.")
    static final class ListContainers implements Runnable {
        @Spec CommandSpec spec;
        @Mixin OutputOption output;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                ResourceStore store = session.store();
                List<WorkloadEndpoint> endpoints = store.list(WorkloadEndpoint.class).stream().map(Versioned::resource).toList();
                if (!output.isTable()) {
                    output.printResources(session.out(), endpoints, true);
                    return;
                }
                Map<String, EndpointStatus> statuses = NodeCommand.index(
                        store.list(EndpointStatus.class).stream().map(Versioned::resource).toList(), EndpointStatus::endpointId);
                Table table = new Table("CONTAINER", "NODE", "INTERFACE", "ADDRESSES", "PROFILES", "STATUS");
                for (WorkloadEndpoint endpoint : endpoints) {
                    EndpointStatus status = statuses.get(endpoint.endpointId());
                    table.row(shortId(endpoint.containerId()), endpoint.node(), endpoint.interfaceName(),
                            ResourceTables.addresses(endpoint), String.join(",", endpoint.profileIds()),
                            status == null ? "waiting for agent" : status.state() + (status.detail() == null ? "" : ": " + status.detail()));
                }
                table.print(session.out());
            }
        }
    }

    /** Docker ids are 64 hex characters; people know them by the first 12. */
    static String shortId(String containerId) {
        return containerId.matches("[0-9a-f]{64}") ? containerId.substring(0, 12) : containerId;
    }
}
