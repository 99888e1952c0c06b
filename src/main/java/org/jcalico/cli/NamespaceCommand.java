package org.jcalico.cli;

import java.util.List;
import org.jcalico.model.LabelEdit;
import org.jcalico.model.Namespace;
import org.jcalico.resources.NamespaceService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "namespace", mixinStandardHelpOptions = true,
        description = "Namespaces of endpoints and their labels, which a rule's namespaceSelector matches.",
        subcommands = {NamespaceCommand.Label.class, NamespaceCommand.ListNamespaces.class})
final class NamespaceCommand {

    @Command(name = "label", mixinStandardHelpOptions = true,
            description = "Set (KEY=VALUE) or remove (KEY-) labels of a namespace, creating it if absent; prints what changed.")
    static final class Label implements Runnable {
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NS") String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE|KEY-") List<String> edits;

        @Override
        public void run() {
            Namespace.checkName("namespace", name);
            List<LabelEdit> parsed = LabelEdit.parseAll(edits);
            try (Session session = new Session(spec)) {
                NamespaceService.Relabelled relabelled = new NamespaceService(session.store()).label(name, parsed);
                List<String> changes = relabelled.changes();
                session.out().println((relabelled.created() ? "created namespace " : "namespace ") + name + ": "
                        + (changes.isEmpty() ? "unchanged" : String.join(", ", changes)));
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List namespaces that have labels.")
    static final class ListNamespaces implements Runnable {
        @Spec CommandSpec spec;
        final OutputOption output = new OutputOption();
        @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();

        @Override
        public void run() {
            try (Session session = new Session(spec)) {
                List<Namespace> namespaces = new NamespaceService(session.readStore()).list();
                if (!output.isTable()) {
                    output.printResources(session.out(), namespaces, true);
                    return;
                }
                Table table = new Table("NAMESPACE", "LABELS");
                namespaces.forEach(namespace -> table.row(namespace.name(), ResourceTables.labels(namespace.labels())));
                table.print(session.out());
            }
        }
    }
}
