package org.jcalico.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.ipam.Ipam;
import org.jcalico.ipam.Pools;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.nodes.NodeService;
import org.jcalico.resources.ProfileService;
import org.jcalico.testing.Backends;
import org.jcalico.testing.CommitGate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * `profile remove` and `node remove` each check that no endpoint needs what they remove, then remove it; a
 * `container add` naming that profile, or on that node, at the same moment must not leave an endpoint whose profile
 * or node is gone while both commands say they succeeded. Each race is played at its one dangerous step, the same way
 * every run ({@link CommitGate}): the remove runs whole just before the add's endpoint record is written, or the add
 * runs whole between the remove's check and its write. Real veths in namespaces of this test, on both backends.
 */
@Tag("kernel")
class RemovedWhileAddedTest {
    private static final String DONE = "done";

    @TempDir
    Path dir;
    private HostFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new HostFixture("jct-rwa-");
    }

    @AfterEach
    void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Runs the race on a new store of the backend ("embedded" or "etcd": a real etcd of this test's own). */
    private void on(String backend, java.util.function.Consumer<Datastore> race) throws Exception {
        Backends.on(backend, dir, store -> race.accept(withPool(store)));
    }

    private static Datastore withPool(Datastore store) {
        new Pools(new ResourceStore(store)).add(new IpPool(Cidr.parse("10.69.0.0/16"), false, null, false));
        return store;
    }

    /** The profile goes after the add found it and before its endpoint is written: the add fails and undoes itself. */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void profileRemovedWhileTheAddIsUnderWay(String backend) throws Exception {
        on(backend, store -> removedWhileTheAddIsUnderWay(new Race(store, "n1", "p1"),
                () -> new ProfileService(new ResourceStore(store)).remove("p1"), "profile 'p1' was removed"));
    }

    /** The add runs whole between the remove's check and its write: the remove is refused. */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void addDoneWhileProfileRemoveChecks(String backend) throws Exception {
        on(backend, store -> addDoneWhileTheRemoveChecks(new Race(store, "n2", "p2"), Keys.keyOf(Profile.class, "p2"),
                gated -> new ProfileService(gated).remove("p2"), "profile 'p2' is used by 1 endpoint(s) ("));
    }

    /**
     * The node goes after the add found it registered and before its endpoint is written: the add fails and undoes
     * itself, and no block is left of the removed node.
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void nodeRemovedWhileTheAddIsUnderWay(String backend) throws Exception {
        on(backend, store -> {
            removedWhileTheAddIsUnderWay(new Race(store, "n3", "p3"),
                    () -> new NodeService(new ResourceStore(store)).remove("n3"), "node 'n3' was removed");
            // the remove took the block's affinity (the add held an address of it), the add's undo the block
            assertEquals(List.of(), new ResourceStore(store).list(IpamBlock.class), "no block");
        });
    }

    /**
     * The node goes after the add found it registered and before the add claims its address block: the claim is
     * refused, and no block is left affine to the removed node (before, the add failed at its endpoint record and
     * its undo released the address but kept the block).
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void nodeRemovedBeforeTheAddClaimsItsBlock(String backend) throws Exception {
        on(backend, store -> {
            Race race = new Race(store, "n6", "p6");
            String[] removed = new String[1];
            String added = race.add(new CommitGate(store, CommitGate.writing(Keys.prefix(IpamBlock.class)),
                    () -> removed[0] = outcome(() -> new NodeService(new ResourceStore(store)).remove("n6"))));
            assertEquals(DONE, removed[0]);
            assertTrue(added.contains("node 'n6' is not registered: no address block is claimed for it"), "the add fails: " + added);
            race.assertNothingLeft();
            assertEquals(List.of(), new ResourceStore(store).list(IpamBlock.class), "no block");
        });
    }

    /** The add runs whole between the node remove's count of endpoints and its write: the remove is refused. */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void addDoneWhileNodeRemoveChecks(String backend) throws Exception {
        on(backend, store -> addDoneWhileTheRemoveChecks(new Race(store, "n4", "p4"), Keys.keyOf(Node.class, "n4"),
                gated -> new NodeService(gated).remove("n4"), "node 'n4' still has 1 endpoint(s); remove them first"));
    }

    /**
     * A profile and the node changed but kept just before the add writes its endpoint (a rule added, the node
     * registered again with an address): the add reads them again and succeeds, as it did before the guard.
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "etcd"})
    void aProfileAndNodeChangedWhileTheAddIsUnderWayAreNoFailure(String backend) throws Exception {
        on(backend, store -> {
            Race race = new Race(store, "n5", "p5");
            String added = race.add(new CommitGate(store, CommitGate.writing(Keys.prefix(WorkloadEndpoint.class)), () -> {
                ResourceStore resources = new ResourceStore(store);
                new ProfileService(resources).addRule("p5", Direction.INBOUND, Rule.allow(), null);
                new NodeService(resources).register("n5", IpAddress.parse("10.71.0.5"), null, null);
            }));
            assertEquals(DONE, added);
            race.assertEndpointKept();
        });
    }

    /**
     * A removal of the container (what the CNI DEL runs: a runtime that gave up waiting for its ADD, which the agent
     * serving it still runs) begun just before the add writes its endpoint: it waits for the add, then removes what the
     * add made. Before, it found no endpoint and succeeded, and the add then wrote one: an endpoint and an address of a
     * container gone, for good.
     */
    @Test
    void aRemovalBegunWhileTheAddIsUnderWayRemovesWhatTheAddMade() throws Exception {
        on("embedded", store -> {
            Race race = new Race(store, "n7", "p7");
            CompletableFuture<String> removed = new CompletableFuture<>();
            String added = race.add(new CommitGate(store, CommitGate.writing(Keys.prefix(WorkloadEndpoint.class)), () -> {
                Thread.startVirtualThread(() -> removed.complete(outcome(race::remove)));
                // a removal that does not wait for the add ends here, before the endpoint is written
                awaited(removed, 2);
            }));
            assertEquals(DONE, added);
            assertEquals(DONE, awaited(removed, 60), "the removal succeeds");
            race.assertNothingLeft();
        });
    }

    /** The remove runs whole just before the add writes its endpoint: it succeeds, and the add fails and leaves nothing. */
    private static void removedWhileTheAddIsUnderWay(Race race, Runnable remove, String addsError) {
        String[] removed = new String[1];
        String added = race.add(new CommitGate(race.store, CommitGate.writing(Keys.prefix(WorkloadEndpoint.class)),
                () -> removed[0] = outcome(remove)));
        assertEquals(DONE, removed[0], "nothing used it when it was removed");
        assertTrue(added.contains(addsError), "the add fails: " + added);
        race.assertNothingLeft();
    }

    /** The add runs whole just before the remove writes the key: it succeeds, and the remove is refused. */
    private static void addDoneWhileTheRemoveChecks(Race race, String removedKey, java.util.function.Consumer<ResourceStore> remove,
                                                   String removesError) {
        String[] added = new String[1];
        String removed = outcome(() -> remove.accept(new ResourceStore(new CommitGate(race.store,
                CommitGate.writing(removedKey), () -> added[0] = race.add(race.store)))));
        assertEquals(DONE, added[0]);
        assertTrue(removed.startsWith(removesError), "the remove is refused: " + removed);
        race.assertEndpointKept();
    }

    /** One race's node (registered), its profile (existing) and its container (a namespace of its own). */
    private final class Race {
        final Datastore store;
        private final String node;
        private final String profile;
        private final String container;

        Race(Datastore store, String node, String profile) {
            this.store = store;
            this.node = node;
            this.profile = profile;
            this.container = fixture.container(node);
            ResourceStore resources = new ResourceStore(store);
            resources.create(new Node(node, null, null, null));
            resources.create(Profile.securityGroup(profile));
        }

        /** `container add netns:CONTAINER --profile PROFILE --no-wait` on the node through the store given: its outcome. */
        String add(Datastore through) {
            ContainerService containers = fixture.containers(new ResourceStore(through));
            return outcome(() -> containers.add(node, "netns:" + container, List.of(), List.of(profile),
                    new EndpointMetadata(null, Map.of(), null), "eth0", Duration.ZERO));
        }

        /** What the CNI DEL runs for the container's every endpoint on the node (`container remove` without its error). */
        void remove() {
            fixture.containers(new ResourceStore(store)).detach(node, "netns:" + container, "netns:" + container,
                    endpoint -> true, Duration.ZERO);
        }

        String endpointId() {
            return ContainerService.endpointId(node, "netns:" + container, "eth0");
        }

        /** The failed add left no endpoint, veth, address, intent or profile it made. */
        void assertNothingLeft() {
            ResourceStore resources = new ResourceStore(store);
            assertEquals(List.of(), resources.list(WorkloadEndpoint.class, Keys.nodePrefix(WorkloadEndpoint.class, node)),
                    "no endpoint of " + node);
            assertFalse(fixture.host.run("ip", "-o", "link", "show").check().stdout().contains(endpointId().substring(0, 8)),
                    "no veth");
            assertEquals(List.of(), List.copyOf(new Ipam(resources).addressesOf(endpointId())), "no address held");
            assertTrue(store.get(Keys.intent(node, endpointId())).isEmpty(), "no intent");
        }

        /** The add's endpoint is stored, and so are the profile and node it names. */
        void assertEndpointKept() {
            ResourceStore resources = new ResourceStore(store);
            assertTrue(resources.get(WorkloadEndpoint.class, node, endpointId()).isPresent(), "the endpoint is stored");
            assertTrue(resources.get(Profile.class, profile).isPresent(), "its profile stays");
            assertTrue(resources.get(Node.class, node).isPresent(), "its node stays");
        }
    }

    /** What FUTURE gives within SECONDS, or null. */
    private static String awaited(CompletableFuture<String> future, int seconds) {
        try {
            return future.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "done", or the message of the one error a user would read. */
    private static String outcome(Runnable command) {
        try {
            command.run();
            return DONE;
        } catch (ValidationException e) {
            return e.getMessage();
        }
    }
}
