package org.jcalico.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Override
    public void run() {
        String text;
        try {
            text = file.equals("-") ? new String(System.in.readAllBytes()) : Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + file + ": " + e.getMessage());
        }
        var resources = ResourceCodec.decodeAll(text);
        try (Session session = new Session(spec)) {
            List<ResourceService.Applied> applied = new ResourceService(session.store()).apply(resources);
            for (ResourceService.Applied result : applied) {
                session.out().println(result.verb() + " " + result.resource().kind() + " " + result.resource().name());
            }
        }
    }
}
