package org.jcalico.ipam;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.ValidationException;
import org.jcalico.nodes.NodeService;
import org.jcalico.resources.ResourceService;

/**
 * One of the two racing processes of {@link PoolRaceTest}: reads commands from its input, one per line ("add-pool
 * CIDR", "apply-pool CIDR", "remove-pool CIDR", "allocate NODE HANDLE", "register NODE IPV4"), runs each as the CLI would and answers "ok ..." or "error ...".
 */
public final class IpamRaceMain {
    private IpamRaceMain() {
    }

    public static void main(String[] args) throws Exception {
        org.jcalico.cli.Main.quietLibraryLogging();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Datastore datastore = Datastores.open(args[0]);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            ResourceStore store = new ResourceStore(datastore);
            Pools pools = new Pools(store);
            Ipam ipam = new Ipam(store);
            ResourceService resources = new ResourceService(store);
            NodeService nodes = new NodeService(store);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.split(" ");
                try {
                    String result = switch (words[0]) {
                        case "add-pool" -> {
                            pools.add(new IpPool(Cidr.parse(words[1]), false, null, false));
                            yield "added";
                        }
                        case "apply-pool" -> {
                            resources.apply(List.of(new IpPool(Cidr.parse(words[1]), false, null, false)));
                            yield "applied";
                        }
                        case "remove-pool" -> {
                            pools.remove(Cidr.parse(words[1]));
                            yield "removed";
                        }
                        case "allocate" -> ipam.autoAssign(words[1], 4, words[2]).toString();
                        case "register" -> {
                            nodes.register(words[1], IpAddress.parse(words[2]), null, null);
                            yield "registered";
                        }
                        default -> throw new IllegalArgumentException(line);
                    };
                    out.println("ok " + result);
                } catch (ValidationException | DatastoreException e) {
                    out.println("error " + e.getMessage());
                }
            }
        }
    }
}
