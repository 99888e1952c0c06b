package org.jcalico.cli;

import static java.util.Map.entry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;
import org.jcalico.workload.EndpointMetadata;
import org.jcalico.workload.Intent;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import java.util.Map;
import java.util.function.Function;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.LabelEdit;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Spec;

/** `container`, `container list` and `container add` are declared through picocli's API, as CommandModel says why; the others are annotated. */
final class ContainerCommand {
    private static final Map<String, Function<String, Object>> SUBCOMMANDS = CommandModel.ordered(
            entry("add", next -> new Add().spec), entry("remove", next -> Remove.class), entry("label", next -> Label.class),
            entry("list", next -> new ListContainers().spec));

    private ContainerCommand() {
    }

    /** `container` with the subcommand {@code named}, or all of them when that word names none. */
    static CommandLine line(String named) {
        return CommandModel.withSubcommands(CommandModel.command(new ContainerCommand(), "container",
                "Containers (workload endpoints) on the network."), named, null, SUBCOMMANDS);
    }

    /**
     * Declared through picocli's API, as the lists are (CommandModel): the agent builds the model of every `container
     * add` it serves, and building it from annotations was about 6 ms of each add's path to its first packet
     * (docs/agent.md, "A served `container add`").
     */
    static final class Add implements Runnable {
        private final PositionalParamSpec container = PositionalParamSpec.builder().index("0").paramLabel("CONTAINER")
                .arity("1").required(true).type(String.class).description("docker id or name, pid:N, netns:NAME or netns:/path").build();
        private final PositionalParamSpec addresses = PositionalParamSpec.builder().index("1..*").paramLabel("ADDRESS")
                .arity("0..*").type(List.class).auxiliaryTypes(String.class)
                .description("IPv4/IPv6 addresses (default: one from each family with an enabled pool)").build();
        private final OptionSpec profiles = repeated("--profile", "P", "profiles in order; a missing one is created as a security group");
        private final OptionSpec namespace = OptionSpec.builder("--namespace").paramLabel("NS").type(String.class)
                .description("the endpoint's namespace, for policies and namespaceSelector (default: default)").build();
        private final OptionSpec labels = repeated("--label", "KEY=VALUE", "a label of the endpoint, for selectors (repeatable)");
        private final OptionSpec ports = repeated("--port", "NAME=PROTO/N", "a named port the endpoint declares, e.g. http=tcp/8080 (repeatable)");
        private final OptionSpec containerInterface = OptionSpec.builder("--interface").paramLabel("NAME").type(String.class)
                .defaultValue("eth0").description("interface name inside the container (default: ${DEFAULT-VALUE})").build();
        private final OptionSpec noWait = OptionSpec.builder("--no-wait").type(boolean.class).initialValue(false)
                .description("return without waiting for the agent").build();
        private final OptionSpec timeout = OptionSpec.builder("--timeout").paramLabel("SECONDS").type(int.class)
                .defaultValue("10").description("how long to wait for the agent (default: ${DEFAULT-VALUE})").build();
        final CommandSpec spec = CommandModel.command(this, "add", "Attach a container: addresses from IPAM (or the ones given),"
                + " a veth pair to this host, the endpoint record; then wait until this host's agent has programmed it.")
                .addPositional(container).addPositional(addresses).addOption(profiles).addOption(namespace)
                .addOption(labels).addOption(ports).addOption(containerInterface).addOption(noWait).addOption(timeout);

        private static OptionSpec repeated(String name, String label, String description) {
            return OptionSpec.builder(name).paramLabel(label).type(List.class).auxiliaryTypes(String.class)
                    .description(description).build();
        }

        @Override
        public void run() {
            String inside = containerInterface.getValue();
            EndpointMetadata metadata = new EndpointMetadata(namespace.getValue(), LabelEdit.assignments(strings(labels)),
                    strings(ports).stream().map(EndpointPort::parse).toList());
            int seconds = timeout.getValue();
            if (seconds < 0) {
                // refused before anything is done: a negative wait attached the container, gave up at once and undid it
                throw ValidationException.field("--timeout", seconds, "is negative (seconds to wait for the agent; 0: do not wait)");
            }
            try (Session session = new Session(spec)) {
                boolean noWaiting = noWait.getValue();
                ContainerService.Added added = service(session).add(session.nodeName(), container.getValue(),
                        strings(addresses), strings(profiles), metadata, inside,
                        noWaiting ? Duration.ZERO : Duration.ofSeconds(seconds));
                WorkloadEndpoint endpoint = added.endpoint();
                var out = session.out();
                added.createdProfiles().forEach(name -> out.println("created profile " + name
                        + " (tag " + name + "; inbound: allow from tag " + name + "; outbound: allow all)"));
                out.println("added " + shortId(endpoint.containerId()) + " on node " + endpoint.node() + ": "
                        + inside + " " + endpoint.mac() + " <-> host " + endpoint.interfaceName() + ", addresses "
                        + ResourceTables.addresses(endpoint) + ", profiles "
                        + (endpoint.profileIds().isEmpty() ? "(none: all traffic dropped)" : String.join(",", endpoint.profileIds()))
                        + ", namespace " + endpoint.namespace()
                        + (endpoint.labels().isEmpty() ? "" : ", labels " + ResourceTables.labels(endpoint.labels()))
                        + (endpoint.ports().isEmpty() ? "" : ", ports " + ports(endpoint))
                        + (added.programmedMillis() < 0 ? "; not waiting for the agent"
                        : "; ready in " + added.programmedMillis() + " ms"));
                if (added.note() != null) {
                    out.println("warning: " + added.note());
                }
            }
        }

        /** A repeatable argument's values: none when it was not given. */
        private static List<String> strings(picocli.CommandLine.Model.ArgSpec arg) {
            List<String> values = arg.getValue();
            return values == null ? List.of() : values;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Detach a container: its veth, routes, rules, set memberships, addresses and record.")
    static final class Remove implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "CONTAINER") String container;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                ContainerService.Removed removed = service(session).remove(session.nodeName(), container, Duration.ofSeconds(10));
                for (Intent intent : removed.recovered()) {
                    session.out().println("undid an unfinished " + intent.operation() + " of " + shortId(intent.containerId())
                            + " on node " + intent.node() + " (its command died): host interface " + intent.hostInterface()
                            + " and its addresses released");
                }
                for (WorkloadEndpoint endpoint : removed.endpoints()) {
                    session.out().println("removed " + shortId(endpoint.containerId()) + " from node " + endpoint.node()
                            + ": host interface " + endpoint.interfaceName() + ", released " + ResourceTables.addresses(endpoint));
                }
            }
        }
    }

    @Command(name = "label", mixinStandardHelpOptions = true,
            description = "Set (KEY=VALUE) or remove (KEY-) labels of a container's endpoints; prints what changed.")
    static final class Label implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "CONTAINER", description = "docker id or name, pid:N, netns:NAME or netns:/path, or the id 'container list' shows") String container;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE|KEY-") List<String> edits;

        @Override
        public void run() {
            List<LabelEdit> parsed = LabelEdit.parseAll(edits);
            try (Session session = new Session(spec)) {
                for (ContainerService.Relabelled relabelled : service(session).relabel(session.nodeName(), container, parsed)) {
                    List<String> changes = relabelled.changes();
                    // an edit never makes an isolated endpoint active (docs/docker.md, "Container labels"): say it stays so
                    session.out().println(shortId(relabelled.endpoint().containerId()) + " ("
                            + relabelled.endpoint().endpointId() + "): " + (changes.isEmpty() ? "unchanged" : String.join(", ", changes))
                            + relabelled.endpoint().isolation().map(isolation -> "; still " + isolation).orElse(""));
                }
            }
        }
    }

    private static ContainerService service(Session session) {
        return new ContainerService(session.store(), session.veths(), new ContainerResolver(DockerClient.fromEnvironment()));
    }

    static final class ListContainers implements Runnable {
        private final OutputOption output = new OutputOption();
        final CommandSpec spec = CommandModel.command(this, "list",
                "List endpoints with their node, interface, addresses, profiles and the status their node's agent reported.")
                .addMixin("output", output.mixin());

        @Override
        public void run() {
            print(new Session(spec), output.format());
        }

        /** Prints the endpoints in FORMAT, then closes SESSION: the list as picocli runs it, and as PlainList does. */
        static void print(Session session, OutputOption.Format format) {
            try (session) {
                ResourceStore store = session.readStore();
                ResourceStore.Surveyed<WorkloadEndpoint> endpoints = store.survey(WorkloadEndpoint.class);
                if (format != OutputOption.Format.table) {
                    OutputOption.printSurveyed(session.out(), format, endpoints);
                    return;
                }
                ResourceStore.Surveyed<EndpointStatus> statuses = store.survey(EndpointStatus.class);
                Map<String, EndpointStatus> statusOf = statuses.resources().stream()
                        .collect(java.util.stream.Collectors.toMap(EndpointStatus::endpointId, status -> status, (a, b) -> a));
                // a status record that cannot be read is under its endpoint's NODE/ID: that endpoint's status is unknown
                java.util.Set<String> unreadStatus = statuses.unreadable().stream().map(ResourceStore.Unreadable::name)
                        .collect(java.util.stream.Collectors.toSet());
                Table table = new Table("CONTAINER", "NODE", "NAMESPACE", "INTERFACE", "ADDRESSES", "PROFILES", "LABELS", "STATUS");
                for (WorkloadEndpoint endpoint : endpoints.resources()) {
                    // a report of an earlier record of the endpoint's id says nothing of this one's
                    EndpointStatus reported = statusOf.get(endpoint.endpointId());
                    EndpointStatus status = reported != null && reported.isAbout(endpoint) ? reported : null;
                    table.row(shortId(endpoint.containerId()), endpoint.node(), endpoint.namespace(), endpoint.interfaceName(),
                            ResourceTables.addresses(endpoint),
                            endpoint.profileIds().isEmpty() ? "(none)" : String.join(",", endpoint.profileIds()),
                            endpoint.labels().isEmpty() ? "(none)" : ResourceTables.labels(endpoint.labels()),
                            unreadStatus.contains(endpoint.node() + "/" + endpoint.endpointId()) ? "unreadable: see below"
                                    : status == null ? "waiting for agent" : status.summary());
                }
                table.print(session.out());
                UnreadableRows.print(session.out(), java.util.stream.Stream.concat(endpoints.unreadable().stream(),
                        statuses.unreadable().stream()).toList());
            }
        }
    }

    private static String ports(WorkloadEndpoint endpoint) {
        return endpoint.ports().stream().map(EndpointPort::toString).collect(java.util.stream.Collectors.joining(","));
    }

    /** Docker ids are 64 hex characters; people know them by the first 12. */
    static String shortId(String containerId) {
        return containerId.matches("[0-9a-f]{64}") ? containerId.substring(0, 12) : containerId;
    }
}
