package org.jcalico.cli;

import java.util.List;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Kinds;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.ValidationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "get", mixinStandardHelpOptions = true,
        description = "Show resources of a kind, or one by name (jcalico's, or its metadata.name in Calico's API); -o yaml/json prints Calico's v3 form (docs/resources.md). Kinds: Node, IPPool, IPAMBlock, Profile, WorkloadEndpoint, WorkloadEndpointStatus, BGPPeer, BGPConfiguration, FelixConfiguration, Tier, GlobalNetworkPolicy, NetworkPolicy, GlobalNetworkSet, NetworkSet, Namespace, KubernetesNetworkPolicy (case-insensitive, plural allowed).")
final class GetCommand implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;
    final OutputOption output = new OutputOption();
    @Mixin(name = "output") final CommandSpec outputMixin = output.mixin();
    @Parameters(index = "0", paramLabel = "KIND") String kind;
    @Parameters(index = "1", paramLabel = "NAME", arity = "0..1") String name;

    @Override
    public Integer call() {
        Class<? extends Resource> type = KindArgument.parse(kind);
        try (Session session = new Session(spec)) {
            if (name == null) {
                // a record that cannot be read is a row saying so, not the whole list's failure
                ResourceStore.Surveyed<? extends Resource> surveyed = session.readStore().survey(type);
                if (output.isTable()) {
                    ResourceTables.of(type, surveyed.resources()).print(session.out());
                    UnreadableRows.print(session.out(), surveyed.unreadable());
                } else {
                    output.printSurveyed(session.out(), surveyed);
                }
                return 0;
            }
            if (UnreadableRows.shownIfUnreadable(session, output, type, name)) {
                return 1;
            }
            // by jcalico's key, or by its name in Calico's API (an IPPool's free name, FelixConfiguration "default")
            List<? extends Resource> resources = List.of(session.readStore().get(type, name).<Resource>map(Versioned::resource)
                    .or(() -> session.readStore().survey(type).resources().stream().<Resource>map(Resource.class::cast)
                            .filter(resource -> ResourceCodec.apiName(resource).equals(name)).findFirst())
                    .orElseThrow(() -> new ValidationException(Kinds.resolve(kind).orElse(kind) + " '" + name + "' does not exist")));
            if (output.isTable()) {
                ResourceTables.of(type, resources).print(session.out());
            } else {
                output.printResources(session.out(), resources, false);
            }
            return 0;
        }
    }
}
