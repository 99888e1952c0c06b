package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.jcalico.util.Ipv4Member;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Large sets made with buckets for their members, directly and through a swap, and read back as written. */
@Tag("kernel")
class IpSetHashSizeKernelTest {
    private static final String NAMESPACE = TestNamespaces.named("jcpd-ipsets");
    private CommandRunner host;
    private IpSetDriver driver;

    @BeforeEach
    void createHost() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAMESPACE);
        host = Namespaces.create(NAMESPACE);
        driver = new IpSetDriver(host);
    }

    @AfterEach
    void deleteHost() {
        Namespaces.delete(NAMESPACE);
    }

    /** CODED: the large set's members as calc holds an IPv4 set's, codes written from the numbers. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLargeSetIsMadeAtItsSizeAndASwapBringsInOneOfADifferentSize(boolean coded) {
        IpSetSpec small = new IpSetSpec("jc-4s-big", 4, Set.of("10.9.9.9/32"));
        assertEquals(Map.of(), driver.fill(Map.of(small.name(), small), Map.of(), true).failures());
        assertTrue(header(small.name()).contains("hashsize 1024"), header(small.name()));

        IpSetSpec large = new IpSetSpec("jc-4s-big", 4, held(hosts(30_000), coded));
        Changes swapped = driver.fill(Map.of(large.name(), large), Map.of(), true);
        assertEquals(Map.of(), swapped.failures());
        assertEquals(1, swapped.count(Change.SETS_WRITTEN));
        assertTrue(header(large.name()).contains("hashsize 16384"), header(large.name()));
        assertEquals(large, driver.read().sets().get(large.name()));
        assertEquals(Set.of(large.name()), driver.read().sets().keySet(), "the temporary set is gone");

        driver.forget();
        assertEquals(Changes.NONE, driver.fill(Map.of(large.name(), large), Map.of(), true), "read back, the sized set is the same");
        IpSetSpec made = new IpSetSpec("jc-6s-big", 6, Set.of("fd00::/64"));
        driver.forget();
        assertEquals(Map.of(), driver.fill(Map.of(large.name(), large, made.name(), made), Map.of(), true).failures());
        assertTrue(header(made.name()).contains("hashsize 1024"), "a small new set keeps the kernel's default");
    }

    /**
     * A large set of IPv4 networks is written in the order the kernel keeps it: {@code ipset save}, which lists a set
     * bucket by bucket, lists its members in the very order the driver wrote them (b51a437 wrote them by hash code),
     * with the seed the driver chose; a prefix shorter than 32 is hashed as the kernel does too.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLargeSetOfIpv4NetworksIsWrittenInTheOrderOfTheKernelsBuckets(boolean coded) {
        Set<String> members = hosts(30_000);
        members.addAll(Set.of("10.200.0.0/16", "10.201.1.0/24", "10.202.0.128/25"));
        IpSetSpec large = new IpSetSpec("jc-4s-big", 4, held(members, coded));
        IpSetUpdate update = IpSetPlanner.fill(Map.of(large.name(), large), IpSetSnapshot.EMPTY);
        assertEquals(Map.of(), driver.fill(Map.of(large.name(), large), Map.of(), true).failures());
        List<String> saved = host.run("ipset", "save", large.name()).check().stdout().lines().toList();
        // ipset prints the seed with all 8 digits: a random one begins with 0 once in 16 (CI, session 33)
        assertTrue(saved.getFirst().contains(String.format(" initval 0x%08x", KernelBuckets.INITVAL)), saved.getFirst());
        // ipset prints a /32 as the bare address
        List<String> written = update.input().text().lines().skip(1).map(line -> line.replace("/32", "")).toList();
        assertTrue(written.equals(saved.subList(1, saved.size())), "saved in another order: " + saved.subList(1, 4)
                + " ..., written " + written.subList(0, 3) + " ...");
    }

    /** MEMBERS as text, or (CODED) as calc holds an IPv4 set's. */
    private static Set<String> held(Set<String> members, boolean coded) {
        if (!coded) {
            return members;
        }
        MemberSet codes = MemberSet.ofCodes(members.stream().mapToLong(Ipv4Member::parse).toArray());
        assertNotNull(codes.codes());
        return codes;
    }

    private String header(String set) {
        return host.run("ipset", "list", "-t", set).check().stdout();
    }

    private static Set<String> hosts(int count) {
        Set<String> members = new HashSet<>();
        for (int i = 0; i < count; i++) {
            members.add("10.1." + i / 256 + "." + i % 256 + "/32");
        }
        return members;
    }
}
