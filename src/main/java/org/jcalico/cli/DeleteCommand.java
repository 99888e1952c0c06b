package org.jcalico.cli;

import java.util.Optional;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Kinds;
import org.jcalico.model.Node;
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
            Optional<ResourceStore.Unreadable> unreadable = service.deleteUnreadable(type, name);
            if (unreadable.isPresent()) {
                session.out().println("deleted the unreadable " + Kinds.name(type) + " " + Shown.value(name) + ": "
                        + Shown.value(unreadable.get().key()) + " " + Shown.message(unreadable.get().problem())
                        + (type == Node.class ? " (its IPAM blocks, if any: 'jcalico node remove " + Shown.value(name) + "')" : ""));
                return;
            }
            Resource deleted = service.delete(type, name);
            session.out().println("deleted " + deleted.kind() + " " + deleted.name());
        }
    }
}
