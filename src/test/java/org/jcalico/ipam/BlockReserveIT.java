package org.jcalico.ipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.lab.Probe;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.testing.Eventually;
import org.jcalico.testing.LabFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A block ready ahead of an add, with real agents (docs/ipam.md, "A block ready ahead of an add"): with
 * blockReserveEnabled on, each node's agent claims a block as soon as a pool is added; a node's first automatic add
 * takes its address there and claims nothing; and the agent claims the next block once fewer than a quarter of a
 * block is free, while the adds still have room. On by default since session 61: a node's first claim, with no pool,
 * a pool with no block to spare, a pool added later, a node started with pools present, and its agent killed after it.
 */
@Tag("kernel")
class BlockReserveIT {
    private static final Pattern ROW = Pattern.compile("^\\s+(\\S+/\\d+)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s*$", Pattern.MULTILINE);

    /** `ipam show`'s blocks of the node: "CIDR USED" each. */
    private static List<String> blocksOf(LabFixture fixture, String node) {
        Matcher rows = ROW.matcher(fixture.jc("h1", "ipam", "show"));
        List<String> found = new java.util.ArrayList<>();
        while (rows.find()) {
            if (rows.group(2).equals(node)) {
                found.add(rows.group(1) + " " + rows.group(3));
            }
        }
        return found;
    }

    @Test
    void byDefaultANodeClaimsItsFirstBlockOncePoolsCanSpareOneAndKeepsItAcrossAKill() throws Exception {
        try (LabFixture fixture = LabFixture.up("jcbs", 2, true, 1)) {
            Thread.sleep(2_000);
            assertEquals(List.of(), blocksOf(fixture, "h1"), "no pool: nothing claimed");

            // one block in all: a pool's last unclaimed block is left to the add that needs it
            fixture.jc("h1", "pool", "add", "10.76.0.0/28", "--block-size", "28");
            Thread.sleep(3_000);
            assertEquals(List.of(), blocksOf(fixture, "h1"), "no block to spare: nothing claimed");

            // a pool added later with room: claimed, at the latest when the resync interval asks again
            fixture.jc("h1", "pool", "add", "10.76.1.0/24", "--block-size", "28");
            assertTrue(Eventually.within(30, () -> blocksOf(fixture, "h1").size() == 1),
                    "h1 claimed a block of the new pool: " + fixture.jc("h1", "ipam", "show"));
            String h1Block = blocksOf(fixture, "h1").getFirst();
            assertTrue(h1Block.startsWith("10.76.1.") && h1Block.endsWith("/28 0"), h1Block);

            // a node that starts with pools present claims its first block at start, without a setting or an add
            fixture.lab().join(2);
            assertTrue(Eventually.within(30, () -> blocksOf(fixture, "h2").size() == 1),
                    "h2 claimed its first block at start: " + fixture.jc("h1", "ipam", "show"));
            List<String> h2Blocks = blocksOf(fixture, "h2");
            assertTrue(h2Blocks.getFirst().endsWith(" 0"), "empty: " + h2Blocks);

            // kill -9 right after the claim: the supervisor's new agent finds the block as room and claims no other
            Path runDir = fixture.layout().runDir().resolve(fixture.layout().nodeName(2));
            long agent = pid(runDir.resolve("agent.pid"));
            CommandRunner.local().run("kill", "-9", Long.toString(agent)).check();
            assertTrue(Eventually.within(30, () -> pid(runDir.resolve("agent.pid")) > 0 && pid(runDir.resolve("agent.pid")) != agent
                    && fixture.run("h2", "node", "status").stdout().contains("in sync")),
                    "h2's new agent is in sync: " + fixture.run("h2", "node", "status").stdout());
            Thread.sleep(2_000);
            assertEquals(h2Blocks, blocksOf(fixture, "h2"), "the same block, no second claim");
            assertEquals(List.of(h1Block), blocksOf(fixture, "h1"), "h1's untouched");
            IpAddress first = fixture.addWorkload("h2", "w0", "br");
            assertTrue(Cidr.parse(h2Blocks.getFirst().split(" ")[0]).contains(first), first + " in h2's block " + h2Blocks);
        }
    }

    private static long pid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip().split("\\s+")[0]);
        } catch (Exception e) {
            return -1; // between two agents the pid file may be missing or half written
        }
    }

    @Test
    void eachNodeClaimsAheadItsFirstAddClaimsNothingAndTheMarkClaimsTheNext() throws Exception {
        try (LabFixture fixture = LabFixture.up("jcbr", 2)) {
            fixture.apply("h1", LabFixture.globalConfiguration("blockReserveEnabled: true\n"));
            fixture.jc("h1", "pool", "add", "10.75.0.0/24", "--block-size", "28");
            assertTrue(Eventually.within(30, () -> blocksOf(fixture, "h1").size() == 1 && blocksOf(fixture, "h2").size() == 1),
                    "each agent claimed a block: " + fixture.jc("h1", "ipam", "show"));
            String reserved = blocksOf(fixture, "h1").getFirst().split(" ")[0];
            assertEquals(List.of(reserved + " 0"), blocksOf(fixture, "h1"), "empty, as ipam show says");

            fixture.addWorkload("h2", "far", "br");
            String runDir = fixture.layout().runDir().toString();
            assertTrue(Eventually.within(60, () -> fixture.run("h1", "node", "status", "--run-dir", runDir).ok()
                    && fixture.run("h2", "node", "status", "--run-dir", runDir).ok()), "BGP sessions up");
            IpAddress first = fixture.addWorkload("h1", "w0", "br");
            assertTrue(Cidr.parse(reserved).contains(first), first + " lies in the block claimed ahead " + reserved);
            assertEquals(List.of(reserved + " 1"), blocksOf(fixture, "h1"), "the add claimed no block");
            assertTrue(Probe.ping(fixture.layout().workload("far"), first).succeeds(), "h2's workload reaches it at once");

            // 16 addresses a block, a mark of 4: 12 used leaves 4 (no claim), 13 leaves 3 (the next block)
            for (int i = 1; i < 12; i++) {
                fixture.addWorkload("h1", "w" + i, "br");
            }
            Thread.sleep(2_000);
            assertEquals(List.of(reserved + " 12"), blocksOf(fixture, "h1"), "4 free: at the mark, nothing claimed");
            fixture.addWorkload("h1", "w12", "br");
            assertTrue(Eventually.within(30, () -> blocksOf(fixture, "h1").size() == 2),
                    "3 free: the next block claimed: " + fixture.jc("h1", "ipam", "show"));
            assertTrue(blocksOf(fixture, "h1").contains(reserved + " 13"), fixture.jc("h1", "ipam", "show"));
        }
    }
}
