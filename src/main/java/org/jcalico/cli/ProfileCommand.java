package org.jcalico.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.model.Action;
import org.jcalico.resources.ProfileService;
import org.jcalico.util.Shown;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "profile", mixinStandardHelpOptions = true, description = "Security profiles: tags and rules.",
        subcommands = {ProfileCommand.Add.class, ProfileCommand.Remove.class, ProfileCommand.ListProfiles.class,
                ProfileCommand.Show.class, ProfileCommand.RuleCommand.class})
final class ProfileCommand {

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create a profile that behaves like the prototype's security group: tag NAME; inbound: allow from tag NAME; outbound: allow all.")
    static final class Add implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                new ProfileService(session.store()).add(name);
                session.out().println("created profile " + name + " (tag " + name + "; inbound: allow from tag " + name
                        + "; outbound: allow all)");
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete a profile no endpoint uses.")
    static final class Remove implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                Optional<ResourceStore.Unreadable> unread = new ProfileService(session.store()).remove(name);
                session.out().println("removed profile " + name + unread.map(record -> ", a record that could not be read: "
                        + Shown.value(record.key()) + " " + Shown.message(record.problem())).orElse(""));
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List profiles.")
    static final class ListProfiles implements Runnable {
        @Spec CommandSpec spec;
        final OutputOption output = new OutputOption();
        @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                ResourceStore store = session.readStore();
                ResourceStore.Surveyed<Profile> profiles = store.survey(Profile.class);
                if (!output.isTable()) {
                    output.printSurveyed(session.out(), profiles);
                    return;
                }
                // one read of the endpoints for every profile's count; one that cannot be read may carry any profile
                ResourceStore.Surveyed<WorkloadEndpoint> endpoints = store.survey(WorkloadEndpoint.class);
                Map<String, Long> using = endpoints.resources().stream().flatMap(endpoint -> endpoint.profileIds().stream())
                        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
                Table table = new Table("NAME", "TAGS", "INBOUND", "OUTBOUND", "ENDPOINTS");
                for (Profile profile : profiles.resources()) {
                    table.row(profile.name(), String.join(",", profile.tags()), rules(profile.inbound().size()),
                            rules(profile.outbound().size()), UnreadableRows.count(using.getOrDefault(profile.name(), 0L),
                                    !endpoints.unreadable().isEmpty()));
                }
                table.print(session.out());
                UnreadableRows.print(session.out(), Stream.concat(profiles.unreadable().stream(), endpoints.unreadable().stream()).toList());
            }
        }
    }

    private static String rules(int count) {
        return count + (count == 1 ? " rule" : " rules");
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a profile's tags and numbered rules.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        final OutputOption output = new OutputOption();
        @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            try (Session session = new Session(spec)) {
                if (UnreadableRows.shownIfUnreadable(session, output, Profile.class, name)) {
                    return 1;
                }
                Profile profile = new ProfileService(session.readStore()).get(name).resource();
                if (!output.isTable()) {
                    output.printResources(session.out(), List.of(profile), false);
                    return 0;
                }
                var out = session.out();
                out.println("profile " + profile.name());
                out.println("  tags: " + (profile.tags().isEmpty() ? "(none)" : String.join(", ", profile.tags())));
                if (!profile.labels().isEmpty()) {
                    out.println("  labels: " + profile.labels());
                }
                for (Direction direction : Direction.values()) {
                    List<Rule> rules = profile.rules(direction);
                    out.println("  " + direction + " rules" + (rules.isEmpty() ? ": (none: everything is dropped)" : ":"));
                    for (int i = 0; i < rules.size(); i++) {
                        out.println("    " + (i + 1) + "  " + RuleText.describe(rules.get(i)));
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "rule", mixinStandardHelpOptions = true, description = "Add or remove a profile's rules.",
            subcommands = {RuleAdd.class, RuleRemove.class})
    static final class RuleCommand {
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a rule to a profile (appended, or at position --at).")
    static final class RuleAdd implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "PROFILE") String profile;
        @Parameters(index = "1", paramLabel = "inbound|outbound") String direction;
        @Parameters(index = "2", paramLabel = "allow|deny") String action;
        @Option(names = "--at", paramLabel = "N", description = "1-based position (default: last)") Integer at;
        @Option(names = "--protocol", paramLabel = "P", description = "tcp, udp, icmp, icmpv6, sctp or a number") String protocol;
        @Option(names = "--not-protocol", paramLabel = "P", description = "match any protocol but this one") String notProtocol;
        @Option(names = "--src-tag", paramLabel = "TAG") String srcTag;
        @Option(names = "--src-net", paramLabel = "CIDR") String srcNet;
        @Option(names = "--src-ports", paramLabel = "SPEC", description = "e.g. 80,443,8000:8080") String srcPorts;
        @Option(names = "--dst-tag", paramLabel = "TAG") String dstTag;
        @Option(names = "--dst-net", paramLabel = "CIDR") String dstNet;
        @Option(names = "--dst-ports", paramLabel = "SPEC") String dstPorts;
        @Option(names = "--icmp-type", paramLabel = "N") Integer icmpType;
        @Option(names = "--icmp-code", paramLabel = "N") Integer icmpCode;
        @Option(names = "--ip-version", paramLabel = "4|6") Integer ipVersion;

        @Override
        public void run() {
            Direction parsedDirection = Direction.parse(direction);
            Rule rule = new Rule(Action.parse(action), protocol == null ? null : Protocol.parse(protocol),
                    notProtocol == null ? null : Protocol.parse(notProtocol),
                    side("src", srcTag, srcNet, srcPorts), side("dst", dstTag, dstNet, dstPorts),
                    parse("icmp-type", () -> org.jcalico.model.IcmpMatch.of(icmpType, icmpCode)), null, ipVersion);
            try (Session session = new Session(spec)) {
                Profile updated = new ProfileService(session.store()).addRule(profile, parsedDirection, rule, at);
                int position = at == null ? updated.rules(parsedDirection).size() : at;
                session.out().println("added " + parsedDirection + " rule " + position + " to profile " + profile + ": "
                        + RuleText.describe(rule));
            }
        }

        private static EntityMatch side(String prefix, String tag, String net, String ports) {
            Cidr cidr = net == null ? null : parse(prefix + "-net", () -> Cidr.parse(net));
            Ports parsedPorts = ports == null ? null : parse(prefix + "-ports", () -> Ports.parse(ports));
            return new EntityMatch(tag, cidr, parsedPorts);
        }

        private static <T> T parse(String option, java.util.function.Supplier<T> parser) {
            try {
                return parser.get();
            } catch (org.jcalico.model.ValidationException e) {
                String message = e.getMessage().replaceFirst("^ports: ", "");
                throw new org.jcalico.model.ValidationException("--" + option + ": " + message);
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove rule number N (as `profile show` numbers them).")
    static final class RuleRemove implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "PROFILE") String profile;
        @Parameters(index = "1", paramLabel = "inbound|outbound") String direction;
        @Parameters(index = "2", paramLabel = "N") int number;

        @Override
        public void run() {
            Direction parsedDirection = Direction.parse(direction);
            try (Session session = new Session(spec)) {
                Rule removed = new ProfileService(session.store()).removeRule(profile, parsedDirection, number);
                session.out().println("removed " + parsedDirection + " rule " + number + " from profile " + profile
                        + ": " + RuleText.describe(removed));
            }
        }
    }
}
