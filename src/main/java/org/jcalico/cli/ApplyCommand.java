package org.jcalico.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.explain.DryRun;
import org.jcalico.felix.ClusterReading;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.resources.ResourceService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Create or update the resources in a YAML or JSON file (see docs/resources.md): all of them, or none if any is bad.")
final class ApplyCommand implements Runnable {
    @Spec CommandSpec spec;
    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE", description = "the file, or - for standard input")
    String file;
    @Option(names = "--dry-run", description = "check the file as apply would, then print what would change on each node "
            + "(endpoints whose policy changes, chains and ipsets added, changed or removed); write nothing")
    boolean dryRun;
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "with --dry-run: table or json (default: ${DEFAULT-VALUE})")
    String output;

    @Override
    public void run() {
        var resources = ResourceCodec.decodeAll(InputFile.read(file));
        if (!output.equals("table") && !(dryRun && output.equals("json"))) {
            throw org.jcalico.model.ValidationException.field("--output", output, "is not "
                    + (dryRun ? "table or json" : "table (json goes with --dry-run)"));
        }
        try (Session session = new Session(spec)) {
            if (dryRun) {
                dryRun(session, resources);
                return;
            }
            List<ResourceService.Applied> applied = new ResourceService(session.store()).apply(resources);
            for (ResourceService.Applied result : applied) {
                session.out().println(result.verb() + " " + result.resource().kind() + " " + result.resource().name());
            }
        }
    }

    private void dryRun(Session session, List<Resource> resources) {
        ResourceStore store = session.readStore();
        List<ResourceService.Applied> applied = new ResourceService(store).check(resources);
        ClusterReading before = ClusterReading.of(store.datastore());
        List<Resource> changed = applied.stream().filter(result -> !result.verb().equals("unchanged"))
                .map(ResourceService.Applied::resource).toList();
        DryRun changes = DryRun.of(before, before.with(changed));
        PrintWriter out = session.out();
        if (output.equals("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("revision", before.revision());
            json.put("resources", applied.stream().map(result -> Map.of("verb", result.verb(),
                    "kind", result.resource().kind(), "name", result.resource().name())).toList());
            json.put("nodes", changes.nodes());
            try {
                out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(json));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            print(out, before.revision(), applied, changes);
        }
        out.flush();
    }

    private static void print(PrintWriter out, long revision, List<ResourceService.Applied> applied, DryRun changes) {
        out.println("dry run: nothing written (the store stays at revision " + revision + ")");
        for (ResourceService.Applied result : applied) {
            out.println("would be " + result.verb() + ": " + result.resource().kind() + " " + result.resource().name());
        }
        for (DryRun.NodeChanges node : changes.nodes()) {
            if (node.unchanged()) {
                out.println("node " + node.node() + ": no change");
                continue;
            }
            out.println("node " + node.node() + ":");
            for (DryRun.EndpointChange endpoint : node.endpoints()) {
                out.println("  endpoint " + endpoint.endpoint() + " (" + endpoint.container() + ") " + endpoint.direction() + ": "
                        + policy(endpoint.before()) + " -> " + policy(endpoint.after()));
            }
            for (DryRun.ObjectChange chain : node.chains()) {
                out.println("  chain " + object(chain, "rules"));
            }
            for (DryRun.ObjectChange set : node.ipSets()) {
                out.println("  ipset " + object(set, "members"));
            }
        }
    }

    private static String policy(List<String> applying) {
        return applying.isEmpty() ? "(nothing: dropped)" : String.join(", ", applying);
    }

    private static String object(DryRun.ObjectChange change, String what) {
        return switch (change.change()) {
            case "added" -> "added   " + change.name() + " (" + change.added() + " " + what + ")";
            case "removed" -> "removed " + change.name() + " (" + change.removed() + " " + what + ")";
            default -> "changed " + change.name() + " (+" + change.added() + " -" + change.removed() + " " + what + ")";
        };
    }
}
