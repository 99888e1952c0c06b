package org.jcalico.cli;

import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Kinds;
import org.jcalico.model.Resource;
import org.jcalico.resources.ResourceService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import org.jcalico.util.Shown;
import picocli.CommandLine.Spec;

@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a resource by kind and name; refused when something still depends on it.")
final class DeleteCommand implements Runnable {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "KIND") String kind;
    @Parameters(index = "1", paramLabel = "NAME") String name;

    @Override
    public void run() {
        Class<? extends Resource> type = KindArgument.parse(kind);
        try (Session session = new Session(spec)) {
            ResourceService service = new ResourceService(session.store());
            Optional<ResourceService.Repaired> repaired = service.deleteUnreadable(type, name);
            if (repaired.isPresent()) {
                ResourceStore.Unreadable record = repaired.get().record();
                session.out().println(repaired.get().verb() + " the unreadable " + Kinds.name(type) + " " + Shown.value(name)
                        + ": " + Shown.value(record.key()) + " " + Shown.message(record.problem()) + repaired.get().after());
                return;
            }
            Resource deleted = service.delete(type, name);
            session.out().println("deleted " + deleted.kind() + " " + deleted.name());
        }
    }
}
