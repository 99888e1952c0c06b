package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.testing.EtcdFixture;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes race pool changes against each other, 200 rounds each, on both backends (issue #9, defect 7): of
 * two overlapping `pool add`s (or `apply` of a pool) exactly one succeeds, and a `pool remove` racing an allocation from that pool never
 * succeeds together with it, so no block is ever left outside every pool.
 */
class PoolRaceTest {
    private static final int ROUNDS = 200;

    @TempDir
    Path dir;

    @Test
    void overlappingPoolAddsOnTheEmbeddedStore() throws Exception {
        overlappingPoolAdds("embedded:" + dir.resolve("overlap.db"));
    }

    @Test
    void poolRemoveAgainstAllocationOnTheEmbeddedStore() throws Exception {
        poolRemoveAgainstAllocation("embedded:" + dir.resolve("remove.db"));
    }

    @Test
    void poolAddAgainstRegistrationInsideItOnTheEmbeddedStore() throws Exception {
        poolAddAgainstRegistrationInsideIt("embedded:" + dir.resolve("cover.db"));
    }

    @Test
    void overlappingPoolAddsAndPoolRemoveAgainstAllocationOnEtcd() throws Exception {
        assumeTrue(EtcdFixture.installed(), "etcd-server is not installed");
        try (EtcdFixture etcd = EtcdFixture.start()) {
            overlappingPoolAdds(etcd.url());
            empty(etcd.url());
            poolRemoveAgainstAllocation(etcd.url());
            empty(etcd.url());
            poolAddAgainstRegistrationInsideIt(etcd.url());
        }
    }

    private static void empty(String url) {
        try (Datastore datastore = Datastores.open(url)) {
            datastore.list("").items().forEach(item -> datastore.delete(item.key(), item.modRevision()));
        }
    }

    /**
     * A pool added while a node registers at an address inside it (docs/ipam.md, session 58, t-route): one of them
     * goes through and the other is refused, every round (`apply` of the pool every other round).
     */
    private static void poolAddAgainstRegistrationInsideIt(String url) throws Exception {
        int pooled = 0;
        try (Racers racers = new Racers(url); Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            for (int round = 0; round < ROUNDS; round++) {
                String[] results = racers.race((round % 2 == 0 ? "add-pool 172.20." : "apply-pool 172.20.") + round + ".0/24",
                        "register n" + round + " 172.20." + round + ".1");
                int succeeded = (results[0].startsWith("ok") ? 1 : 0) + (results[1].startsWith("ok") ? 1 : 0);
                assertEquals(1, succeeded, "round " + round + ": of a pool and a node inside it added at once, exactly"
                        + " one is stored: " + List.of(results));
                pooled += results[0].startsWith("ok") ? 1 : 0;
            }
            List<IpPool> pools = store.list(IpPool.class).stream().map(Versioned::resource).toList();
            assertEquals(List.of(), NodeAddressesOutsidePools.violations(pools,
                    store.list(org.jcalico.model.Node.class).stream().map(Versioned::resource).toList()));
        }
        System.out.printf("%s: %d rounds of a pool added against a node registered inside it: the pool stored %d"
                + " times, the node %d times%n", url, ROUNDS, pooled, ROUNDS - pooled);
    }

    private static void overlappingPoolAdds(String url) throws Exception {
        int contested = 0;
        try (Racers racers = new Racers(url); Datastore datastore = Datastores.open(url)) {
            for (int round = 0; round < ROUNDS; round++) {
                // every other round one of them goes through `apply`, which checks pools the same way
                String[] results = racers.race((round % 2 == 0 ? "add-pool 10." : "apply-pool 10.") + round + ".0.0/16",
                        "add-pool 10." + round + ".128.0/17");
                int succeeded = (results[0].startsWith("ok") ? 1 : 0) + (results[1].startsWith("ok") ? 1 : 0);
                assertEquals(1, succeeded, "round " + round + ": exactly one of two overlapping pools is added: "
                        + List.of(results));
                contested += results[0].contains("overlaps") || results[1].contains("overlaps") ? 1 : 0;
            }
            List<IpPool> pools = new ResourceStore(datastore).list(IpPool.class).stream().map(Versioned::resource).toList();
            assertEquals(ROUNDS, pools.size());
            for (IpPool a : pools) {
                for (IpPool b : pools) {
                    assertTrue(a == b || !a.cidr().overlaps(b.cidr()), a.cidr() + " overlaps " + b.cidr());
                }
            }
        }
        System.out.printf("%s: %d rounds of two overlapping pool adds, one added each time; the other refused as"
                + " overlapping %d times, by the commit's guard %d times (apply does not retry)%n", url, ROUNDS, contested,
                ROUNDS - contested);
    }

    private static void poolRemoveAgainstAllocation(String url) throws Exception {
        int removed = 0;
        try (Racers racers = new Racers(url); Datastore datastore = Datastores.open(url)) {
            ResourceStore store = new ResourceStore(datastore);
            Pools pools = new Pools(store);
            Ipam ipam = new Ipam(store);
            org.jcalico.testing.RegisteredNodes.register(store, "h1");
            for (int round = 0; round < ROUNDS; round++) {
                Cidr cidr = Cidr.parse("172.16." + round + ".0/24");
                pools.add(new IpPool(cidr, false, null, false));
                String[] results = racers.race("remove-pool " + cidr, "allocate h1 handle-" + round);
                boolean poolRemoved = results[0].startsWith("ok");
                boolean allocated = results[1].startsWith("ok");
                assertFalse(poolRemoved && allocated, "round " + round + ": the pool was removed and an address"
                        + " allocated from it: " + List.of(results));
                List<IpPool> left = store.list(IpPool.class).stream().map(Versioned::resource).toList();
                for (Versioned<IpamBlock> block : store.list(IpamBlock.class)) {
                    assertTrue(left.stream().anyMatch(pool -> pool.cidr().contains(block.resource().cidr())),
                            "round " + round + ": block " + block.resource().cidr() + " lies in no pool: " + List.of(results));
                }
                if (allocated) {
                    ipam.release(IpAddress.parse(results[1].substring("ok ".length())));
                }
                if (!poolRemoved) {
                    pools.remove(cidr);
                }
                removed += poolRemoved ? 1 : 0;
            }
        }
        System.out.printf("%s: %d rounds of pool remove against an allocation: %d removed first, %d allocated first%n",
                url, ROUNDS, removed, ROUNDS - removed);
    }

    /** Two long-lived processes with their own datastore clients, given one command each at the same moment. */
    private static final class Racers implements AutoCloseable {
        private final Process[] processes = new Process[2];
        private final PrintStream[] inputs = new PrintStream[2];
        private final BufferedReader[] outputs = new BufferedReader[2];

        Racers(String url) throws IOException {
            for (int i = 0; i < 2; i++) {
                processes[i] = JavaProcess.start(IpamRaceMain.class, url);
                inputs[i] = new PrintStream(processes[i].getOutputStream(), false, StandardCharsets.UTF_8);
                outputs[i] = new BufferedReader(new InputStreamReader(processes[i].getInputStream(), StandardCharsets.UTF_8));
            }
            // both warm up (class loading, the first connection) before the first round
            race("allocate warm-up none", "allocate warm-up none");
        }

        String[] race(String first, String second) throws IOException {
            inputs[0].println(first);
            inputs[1].println(second);
            List.of(inputs).forEach(PrintStream::flush);
            String[] results = new String[2];
            for (int i = 0; i < 2; i++) {
                results[i] = outputs[i].readLine();
                if (results[i] == null) {
                    throw new IOException("racer " + i + " died");
                }
            }
            return results;
        }

        @Override
        public void close() throws InterruptedException {
            List.of(inputs).forEach(PrintStream::close);
            for (Process process : processes) {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
