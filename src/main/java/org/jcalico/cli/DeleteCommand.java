package org.jcalico.cli;

import org.jcalico.model.Resource;
import org.jcalico.resources.ResourceService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
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
            Resource deleted = new ResourceService(session.store()).delete(type, name);
            session.out().println("deleted " + deleted.kind() + " " + deleted.name());
        }
    }
}
