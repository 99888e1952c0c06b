package org.jcalico.felix.dataplane.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.Cidr;

/**
 * Keeps the routes tagged with jcalico's protocol number equal to the desired ones: one `ip -batch` per family per
 * pass; a route that fails (its interface is not there yet) is reported for its interface and retried later.
 */
public final class RouteDriver {
    private static final Pattern FAILED_LINE = Pattern.compile("Command failed -:(\\d+)");
    private static final JsonMapper JSON = new JsonMapper();
    private final CommandRunner runner;
    private Set<RouteSpec> known;

    public RouteDriver(CommandRunner runner) {
        this.runner = runner;
    }

    public record Changes(int added, int removed) {
    }

    public void forget() {
        known = null;
    }

    /** @param failures receives interface name -> reason for routes that could not be added */
    public Changes apply(Set<RouteSpec> desired, Map<String, String> failures) {
        if (known == null) {
            known = read();
        }
        Set<RouteSpec> added = new HashSet<>();
        Set<RouteSpec> removed = new HashSet<>();
        for (int version : List.of(4, 6)) {
            List<RouteSpec> adds = desired.stream().filter(r -> r.destination().version() == version && !known.contains(r))
                    .sorted(java.util.Comparator.comparing(RouteSpec::destination)).toList();
            Set<Cidr> replaced = new HashSet<>();
            adds.forEach(route -> replaced.add(route.destination()));
            List<RouteSpec> removes = known.stream().filter(r -> r.destination().version() == version && !desired.contains(r))
                    .sorted(java.util.Comparator.comparing(RouteSpec::destination)).toList();
            List<RouteSpec> batch = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            for (RouteSpec route : removes) {
                if (!replaced.contains(route.destination())) {
                    batch.add(route);
                    lines.add("route del " + route.destination() + " proto " + HostState.ROUTE_PROTOCOL);
                }
            }
            int firstAdd = lines.size();
            for (RouteSpec route : adds) {
                batch.add(route);
                lines.add(add(route));
            }
            // a failed deletion means the route is gone already (its interface went): the goal is reached anyway
            Set<Integer> failed = run(version, lines, failures, batch, firstAdd);
            for (int i = 0; i < batch.size(); i++) {
                if (i < firstAdd) {
                    removed.add(batch.get(i));
                } else if (!failed.contains(i)) {
                    added.add(batch.get(i));
                }
            }
            removed.addAll(removes.stream().filter(route -> replaced.contains(route.destination())).toList());
        }
        known.removeAll(removed);
        known.addAll(added);
        return new Changes(added.size(), removed.size());
    }

    private static String add(RouteSpec route) {
        String protocol = " proto " + HostState.ROUTE_PROTOCOL;
        return switch (route.type()) {
            case INTERFACE -> "route replace " + route.destination() + " dev " + route.interfaceName() + protocol + " scope link";
            case BLACKHOLE -> "route replace blackhole " + route.destination() + protocol;
            case UNREACHABLE -> "route replace unreachable " + route.destination() + protocol;
        };
    }

    /** Runs the batch; returns the indexes of lines that failed, recording interface routes' failures. */
    private Set<Integer> run(int version, List<String> lines, Map<String, String> failures, List<RouteSpec> batch,
                             int firstAdd) {
        Set<Integer> failed = new HashSet<>();
        if (lines.isEmpty()) {
            return failed;
        }
        CommandRunner.Result result = runner.run(List.of("ip", "-" + version, "-force", "-batch", "-"), String.join("\n", lines) + "\n");
        if (result.ok()) {
            return failed;
        }
        String previous = "";
        for (String line : result.stderr().split("\n")) {
            Matcher matcher = FAILED_LINE.matcher(line);
            if (matcher.find()) {
                int index = Integer.parseInt(matcher.group(1)) - 1;
                failed.add(index);
                if (index < firstAdd) {
                    continue;
                }
                RouteSpec route = batch.get(index);
                String reason = "route " + route.destination() + ": " + previous.replaceFirst("^Error: ", "").strip();
                failures.merge(route.interfaceName() != null ? route.interfaceName() : route.destination().toString(),
                        reason, (a, b) -> a + "; " + b);
            } else {
                previous = line;
            }
        }
        if (failed.isEmpty()) {
            throw new KernelException(result.describe());
        }
        return failed;
    }

    private Set<RouteSpec> read() {
        Set<RouteSpec> routes = new HashSet<>();
        for (int version : List.of(4, 6)) {
            String json = runner.run("ip", "-j", "-" + version, "route", "show", "proto", String.valueOf(HostState.ROUTE_PROTOCOL))
                    .check().stdout();
            routes.addAll(parse(json));
        }
        return routes;
    }

    static Set<RouteSpec> parse(String json) {
        Set<RouteSpec> routes = new HashSet<>();
        try {
            for (JsonNode route : JSON.readTree(json.isBlank() ? "[]" : json)) {
                Cidr destination = Cidr.parseHostOrNet(route.path("dst").asText());
                String type = route.path("type").asText("unicast");
                routes.add(switch (type) {
                    case "blackhole" -> new RouteSpec(destination, RouteSpec.Type.BLACKHOLE, null);
                    case "unreachable" -> new RouteSpec(destination, RouteSpec.Type.UNREACHABLE, null);
                    default -> RouteSpec.toInterface(destination, route.path("dev").asText());
                });
            }
        } catch (IOException e) {
            throw new KernelException("cannot read ip route output: " + e.getMessage());
        }
        return routes;
    }
}
