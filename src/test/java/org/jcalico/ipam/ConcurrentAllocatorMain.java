package org.jcalico.ipam;

import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;

/**
 * One of the competing processes of the concurrency test: says "ready" once its store is open, waits for a line on its
 * input, then allocates N addresses and prints each on a line.
 */
public final class ConcurrentAllocatorMain {
    private ConcurrentAllocatorMain() {
    }

    public static void main(String[] args) throws java.io.IOException {
        org.jcalico.cli.Main.quietLibraryLogging();
        try (Datastore store = Datastores.open(args[0])) {
            Ipam ipam = new Ipam(new ResourceStore(store));
            System.out.println("ready");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
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
