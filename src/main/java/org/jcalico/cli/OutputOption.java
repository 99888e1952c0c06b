package org.jcalico.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Kinds;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * "-o table|json|yaml": tables for people, JSON or YAML resources for scripts. Declared through picocli's API, as the
 * lists that use it are (CommandModel): a command adds {@link #mixin} as its mixin "output", an annotated one with
 * {@code @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();}.
 */
final class OutputOption {
    enum Format { table, json, yaml }

    private final OptionSpec format = OptionSpec.builder("-o", "--output").paramLabel("FORMAT").type(Format.class)
            .initialValue(Format.table).defaultValue("table").description("table, json or yaml (default: ${DEFAULT-VALUE})").build();

    /** The option as a mixin of the command that prints with it. */
    CommandSpec mixin() {
        return CommandSpec.wrapWithoutInspection(this).addOption(format);
    }

    boolean isTable() {
        return format.getValue() == Format.table;
    }

    /** The format asked for. */
    Format format() {
        return format.getValue();
    }

    /** Prints resources as JSON or YAML; a list when asked for many, a single object when asked for one. */
    void printResources(PrintWriter out, List<? extends Resource> resources, boolean asList) {
        printResources(out, format.getValue(), resources, asList);
    }

    /**
     * Prints a kind's list as JSON or YAML: the resources that read, then the records of the kind that do not, each an
     * item marked "unreadable" ({@link ResourceCodec#unreadableForm}).
     */
    void printSurveyed(PrintWriter out, ResourceStore.Surveyed<? extends Resource> surveyed) {
        printSurveyed(out, format.getValue(), surveyed);
    }

    /** As {@link #printSurveyed(PrintWriter, ResourceStore.Surveyed)}, in FORMAT (json, else YAML). */
    static void printSurveyed(PrintWriter out, Format format, ResourceStore.Surveyed<? extends Resource> surveyed) {
        printSurveyed(out, format, surveyed.resources(), surveyed.unreadable());
    }

    /** RESOURCES, then the records UNREADABLE, in FORMAT (json, else YAML). */
    static void printSurveyed(PrintWriter out, Format format, List<? extends Resource> resources,
                              List<ResourceStore.Unreadable> unreadable) {
        List<ObjectNode> forms = unreadable.stream().map(OutputOption::form).toList();
        out.print(format == Format.json ? ResourceCodec.toPrettyJson(resources, forms)
                : resources.isEmpty() && forms.isEmpty() ? "[]\n" : ResourceCodec.toYaml(resources, forms));
        out.flush();
    }

    /** Prints one record that cannot be read, asked for by name, as the item a list shows for it. */
    void printUnreadable(PrintWriter out, ResourceStore.Unreadable record) {
        out.print(format.getValue() == Format.json ? ResourceCodec.toPrettyJson(form(record))
                : ResourceCodec.toYaml(List.of(), List.of(form(record))));
        out.flush();
    }

    private static ObjectNode form(ResourceStore.Unreadable record) {
        return ResourceCodec.unreadableForm(Kinds.name(record.kind()), record.name(), record.key(), record.problem());
    }

    /** Prints resources as JSON (FORMAT json) or YAML (otherwise), as {@link #printResources(PrintWriter, List, boolean)}. */
    static void printResources(PrintWriter out, Format format, List<? extends Resource> resources, boolean asList) {
        if (format == Format.json) {
            out.print(ResourceCodec.toPrettyJson(resources, asList));
        } else {
            out.print(resources.isEmpty() ? (asList ? "[]\n" : "") : ResourceCodec.toYaml(resources));
        }
        out.flush();
    }
}
