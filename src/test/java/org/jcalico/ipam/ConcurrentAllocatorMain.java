package org.jcalico.ipam;

import java.nio.file.Path;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.embedded.EmbeddedDatastore;

/** One of the competing processes of the concurrency test: allocates N addresses and prints each on a line. */
public final class ConcurrentAllocatorMain {
    private ConcurrentAllocatorMain() {
    }

    public static void main(String[] args) {
        try (EmbeddedDatastore store = EmbeddedDatastore.open(Path.of(args[0]))) {
            Ipam ipam = new Ipam(new ResourceStore(store));
            String node = args[1];
            int count = Integer.parseInt(args[2]);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < count; i++) {
                out.append(ipam.autoAssign(node, 4, node + "-" + args[3] + "-" + i)).append('\n');
            }
            System.out.print(out);
        }
    }
}
