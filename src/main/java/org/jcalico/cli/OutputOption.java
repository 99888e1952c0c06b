package org.jcalico.cli;

import java.io.PrintWriter;
import java.util.List;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import picocli.CommandLine.Option;

/** "-o table|json|yaml": tables for people, JSON or YAML resources for scripts. */
final class OutputOption {
    enum Format { table, json, yaml }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, json or yaml (default: ${DEFAULT-VALUE})")
    Format format = Format.table;

    boolean isTable() {
        return format == Format.table;
    }

    /** Prints resources as JSON or YAML; a list when asked for many, a single object when asked for one. */
    void printResources(PrintWriter out, List<? extends Resource> resources, boolean asList) {
        if (format == Format.json) {
            out.print(ResourceCodec.toPrettyJson(resources, asList));
        } else {
            out.print(resources.isEmpty() ? (asList ? "[]\n" : "") : ResourceCodec.toYaml(resources));
        }
        out.flush();
    }
}
