package org.jcalico.cli;

import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.Migration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "datastore", mixinStandardHelpOptions = true, description = "Moving the cluster's state between datastores.",
        subcommands = {DatastoreCommand.Migrate.class})
final class DatastoreCommand {

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Copy every resource from one datastore to another (stop the agents first, so nothing changes meanwhile).")
    static final class Migrate implements Runnable {
        @Spec CommandSpec spec;
        @Option(names = "--from", required = true, paramLabel = "URL") String from;
        @Option(names = "--to", required = true, paramLabel = "URL") String to;
        @Option(names = "--overwrite", description = "copy even into a datastore that already holds jcalico keys") boolean overwrite;

        @Override
        public void run() {
            try (Datastore source = DatastoreUrl.parse(from).open(OpenMode.READ); Datastore target = DatastoreUrl.parse(to).open(OpenMode.WRITE)) {
                int copied = Migration.copy(source, target, overwrite);
                spec.commandLine().getOut().println("copied " + copied + " keys from " + source.location() + " to " + target.location());
            }
        }
    }
}
