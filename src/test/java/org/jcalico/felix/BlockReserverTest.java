package org.jcalico.felix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Datastores;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.log.Log;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.Cidr;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.testing.RegisteredNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of a block ready ahead of an add: off by default; on, a pass that finds the node short of room has
 * the block claimed on the reserver's thread (docs/ipam.md, "A block ready ahead of an add").
 */
class BlockReserverTest {
    private static final FelixConfiguration OFF = new FelixConfiguration(FelixConfiguration.GLOBAL, 1, null, null, null)
            .merge(FelixConfiguration.DEFAULTS).withBlockReserveEnabled(false);
    private static final FelixConfiguration ON = OFF.withBlockReserveEnabled(true);
    private static final FelixConfiguration SLOW = new FelixConfiguration(FelixConfiguration.GLOBAL, 600, null, null, null)
            .merge(FelixConfiguration.DEFAULTS);

    @TempDir
    Path dir;

    private static Snapshot pass(ResourceStore store, FelixConfiguration config) {
        List<IpPool> pools = new Pools(store).list();
        List<IpamBlock> own = store.list(IpamBlock.class).stream().map(Versioned::resource)
                .filter(block -> "h1".equals(block.affinity())).toList();
        return new Snapshot("h1", config, List.of(), Map.of(), pools, own, List.of(), List.of(), BgpConfiguration.DEFAULTS,
                List.of(), List.of(), List.of(), Map.of());
    }

    private static List<String> blocks(ResourceStore store) {
        return store.list(IpamBlock.class).stream().map(b -> b.resource().cidr() + " " + b.resource().affinity()
                + " " + b.resource().allocations().size()).toList();
    }

    @Test
    void onByDefaultOffItClaimsNothingAndOnAPassShortOfRoomHasTheNextBlockClaimed() throws Exception {
        assertEquals(true, FelixConfiguration.DEFAULTS.blockReserveEnabled(), "on by default (docs/ipam.md, session 60)");
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            RegisteredNodes.register(store, "h1", "h2");
            new Pools(store).add(new IpPool(Cidr.parse("10.65.0.0/24"), false, null, false));
            BlockReserver reserver = new BlockReserver(store, "h1", Log.open(dir.resolve("felix.log"), false, "info"));
            Thread thread = Thread.ofPlatform().daemon().start(reserver);
            try {
                reserver.passed(pass(store, OFF));
                Thread.sleep(2_500); // past two resync intervals of 1 s: the periodic look too finds it off
                assertEquals(List.of(), blocks(store), "off: nothing claimed");

                reserver.passed(pass(store, ON));
                long deadline = System.currentTimeMillis() + 10_000;
                while (blocks(store).isEmpty() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(List.of("10.65.0.0/26 h1 0"), blocks(store), "on: the next block, empty");
                new Ipam(store).autoAssign("h1", 4, "ep1");
                reserver.passed(pass(store, ON));
                Thread.sleep(1_500);
                assertEquals(List.of("10.65.0.0/26 h1 1"), blocks(store), "room enough: no second block");
                assertTrue(Files.readString(dir.resolve("felix.log"))
                        .contains("claimed block 10.65.0.0/26 for node h1 ahead of its adds"), "the log says so");
            } finally {
                thread.interrupt();
                thread.join(5_000);
            }
        }
    }

    @Test
    void aPoolAddedAfterNoneCouldSpareABlockIsAskedAtOnceNotAtTheNextResync() throws Exception {
        whileShortOfASpareBlock((store, reserver) -> {
            assertEquals(List.of(), blocks(store), "a pool's last unclaimed block is not taken ahead");
            new Pools(store).add(new IpPool(Cidr.parse("10.65.1.0/24"), false, 28, false));
            reserver.passed(pass(store, SLOW));
            long deadline = System.currentTimeMillis() + 5_000;
            while (blocks(store).isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of("10.65.1.0/28 h1 0"), blocks(store), "the new pool's first block, on the pass that saw it");
        });
    }

    /**
     * A shortened resync interval reaches the reserve's periodic look at once: a version no pool could spare a block for
     * is asked again within the new interval, not after the old one. Session 70 (t-sweep): the thread waited out the
     * interval it began waiting in (600 s here), so a user who lowered it from an hour waited the hour.
     */
    @Test
    void aShortenedResyncIntervalBringsThePeriodicLookAtOnce() throws Exception {
        whileShortOfASpareBlock((store, reserver) -> {
            reserver.passed(pass(store, ON));
            // a second within the 1 s interval: 5 s leaves room at load 10, and 600 s no chance
            assertTrue(saysNothingToSpare(2, 5_000), "asked again in the interval configured now: "
                    + Files.readString(dir.resolve("felix.log")));
        });
    }

    /** What a test does with the store and the reserver once it has said that no pool can spare a block. */
    private interface WhileShort {
        void then(ResourceStore store, BlockReserver reserver) throws Exception;
    }

    /**
     * A reserver of h1 running, told of a pass (resync 600 s, far longer than a test: only a pass can bring a claim) in
     * which h1 is short of room and the one pool's one block is left to an add, once it has said so; then THEN.
     */
    private void whileShortOfASpareBlock(WhileShort then) throws Exception {
        try (Datastore datastore = Datastores.open("embedded:" + dir.resolve("store.db"))) {
            ResourceStore store = new ResourceStore(datastore);
            RegisteredNodes.register(store, "h1", "h2");
            new Pools(store).add(new IpPool(Cidr.parse("10.65.0.0/28"), false, 28, false));
            BlockReserver reserver = new BlockReserver(store, "h1", Log.open(dir.resolve("felix.log"), false, "info"));
            reserver.passed(pass(store, SLOW));
            Thread thread = Thread.ofPlatform().daemon().start(reserver);
            try {
                assertTrue(saysNothingToSpare(1, 10_000), "the one block left to an add, said in the log");
                then.then(store, reserver);
            } finally {
                thread.interrupt();
                thread.join(5_000);
            }
        }
    }

    /** Whether felix.log says TIMES times within MILLIS that no pool has a block to spare. */
    private boolean saysNothingToSpare(int times, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(dir.resolve("felix.log")) && Files.readString(dir.resolve("felix.log"))
                    .split("no pool has a block to spare", -1).length > times) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
