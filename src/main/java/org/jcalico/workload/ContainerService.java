package org.jcalico.workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jcalico.datastore.ConflictException;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.ipam.Ipam;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.LabelEdit;
import org.jcalico.model.Node;
import org.jcalico.model.ValidationException;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Sha256;
import org.jcalico.util.Shown;

/**
 * Attaching containers to the network and detaching them. Adding is all or nothing, even across a kill -9: an intent
 * record naming everything the attachment may leave is written before its first step (see {@link Intents}), so a
 * failure anywhere (a taken address, a vanished namespace, an agent that never reports) undoes it all, and so does
 * the next command or the agent when the process died on the way.
 */
public final class ContainerService {
    private static final long POLL_MILLIS = 4;
    /**
     * How long a removal waits for another command's add or remove of the container to end: a served add waits up to
     * 10 s for the agent's report (CNI: 5 s), plus its steps on a loaded machine.
     */
    private static final Duration UNDER_WAY = Duration.ofSeconds(20);
    private static final long UNDER_WAY_POLL_MILLIS = 20;
    private final ResourceStore store;
    /** One for this object's life at least: its rtnetlink thread is reused by every attachment, not started for each. */
    private final VethAttacher veths;
    private final ContainerResolver resolver;
    private final Intents intents;

    public ContainerService(ResourceStore store, CommandRunner host, ContainerResolver resolver) {
        this(store, new VethAttacher(host), resolver);
    }

    /**
     * With VETHS, the host's, which may outlive this object and serve others too (the agent's served commands share
     * one: docs/agent.md, "A served `container add`", session 34); the intents' teardowns use it as well.
     */
    public ContainerService(ResourceStore store, VethAttacher veths, ContainerResolver resolver) {
        this.store = store;
        this.veths = veths;
        this.resolver = resolver;
        this.intents = new Intents(store, veths);
    }

    /**
     * The outcome of an add: the endpoint, the profiles it created, how long the agent took (-1: not awaited), and what
     * the agent said of the endpoint programmed (what of it other hosts cannot reach yet), or null.
     */
    public record Added(WorkloadEndpoint endpoint, List<String> createdProfiles, long programmedMillis, String note) {
    }

    public Added add(String node, String spec, List<String> addresses, List<String> profiles, EndpointMetadata metadata,
                     String containerInterface, Duration wait) {
        List<IpAddress> requested = addresses.stream().map(ContainerService::address).toList();
        if (requested.stream().distinct().count() < requested.size()) {
            throw new ValidationException("an address is given twice");
        }
        return add(node, resolver.resolve(spec), "jcalico", requested, List.of(), profiles, metadata, containerInterface, wait);
    }

    /**
     * Attaches a container found already (as a CNI runtime names it), for an orchestrator: the addresses given, or
     * else one of each family from {@code pools} (every enabled pool when empty).
     */
    public Added add(String node, ContainerNamespace container, String orchestrator, List<IpAddress> requested,
                     List<Cidr> pools, List<String> profiles, EndpointMetadata metadata, String containerInterface,
                     Duration wait) {
        long start = System.nanoTime();
        String endpointId = endpointId(node, container.containerId(), containerInterface);
        Before before = before(node, endpointId);
        String hostInterface = hostInterface(before.config().interfacePrefix(), endpointId);
        Attaching what = new Attaching(node, orchestrator, container.containerId(), endpointId, container.description(),
                profiles, () -> metadata, List.of());
        Ipam ipam = new Ipam(store);
        Versions versions = new Versions(() -> versions(ipam, requested, pools));
        // the pair needs only to know whether an address will be IPv6: it is made while the addresses are taken
        java.util.concurrent.atomic.AtomicReference<VethAttacher.Pair> pair = new java.util.concurrent.atomic.AtomicReference<>();
        return attach(what, before, hostInterface, ipam, () -> allocate(ipam, node, endpointId, requested, versions.get(), pools),
                () -> pair.set(veths.createPair(hostInterface, container, containerInterface, versions.get().contains(6))),
                endpointId, nets -> veths.configure(pair.get(), nets).mac(), wait, start);
    }

    /**
     * Who an attachment is for: the orchestrator that asks, the container as it names it (docker's endpoint id for
     * the docker plugin), the endpoint's id on the node, how messages name it, its profiles and policy metadata. The
     * metadata is asked for only when the endpoint record is written, after the intent, the address and the veth: the
     * docker plugin's labels come from a question to dockerd that is answered meanwhile.
     */
    public record Attaching(String node, String orchestrator, String containerId, String endpointId, String description,
                            List<String> profiles, Supplier<EndpointMetadata> metadata, List<Cidr> allowSpoofedSourcePrefixes) {
    }

    /**
     * Makes the host side of an endpoint {@link #attachUnplugged} made pass packets as soon as the runtime brings its
     * peer up ({@link VethAttacher#passesOnceUp}); for a runtime that calls nothing after that.
     */
    public void passesOnceUp(String hostInterface) {
        veths.passesOnceUp(hostInterface);
    }

    /**
     * Attaches for a runtime that moves the interface into its container itself and already holds the addresses
     * (docker: its IPAM driver allocated them under {@code addressHandle}): the pair is made with its peer left in
     * the host's namespace as {@code peerName} (with {@code peerMac}, null: a random one), and the endpoint is
     * recorded and programmed before this returns. A failure removes what this made; the addresses stay with their
     * handle, for the runtime to release. That the handle holds them is checked once, by the endpoint record's
     * commit, which is guarded by it: an address no longer held fails the attach there, and the intent undoes the
     * veth (a check before the intent read the address's block a second time on the docker plugin's Join path).
     */
    public Added attachUnplugged(Attaching what, List<Cidr> nets, String addressHandle, String peerName, String peerMac,
                                 Duration wait) {
        long start = System.nanoTime();
        Before before = before(what.node(), what.endpointId());
        String hostInterface = hostInterface(before.config().interfacePrefix(), what.endpointId());
        Ipam ipam = new Ipam(store);
        return attach(what, before, hostInterface, ipam, () -> nets, null, addressHandle,
                addresses -> veths.createUnplugged(hostInterface, peerName, peerMac,
                        addresses.stream().anyMatch(net -> net.version() == 6)).mac(), wait, start);
    }

    /**
     * The steps every attachment shares, each undone on a failure: the intent (with the profiles it creates), the
     * addresses ({@code beside}, when not null, runs meanwhile on this thread: what of the veth needs no address), the
     * veth ({@code plug} makes or finishes it and returns the container side's MAC), the endpoint record guarded by the
     * addresses still being {@code addressHandle}'s, and the agent's report.
     */
    private Added attach(Attaching what, Before before, String hostInterface, Ipam ipam, java.util.function.Supplier<List<Cidr>> addresses,
                         Runnable beside, String addressHandle, java.util.function.Function<List<Cidr>, String> plug,
                         Duration wait, long start) {
        String node = what.node();
        String endpointId = what.endpointId();
        what.profiles().forEach(profile -> org.jcalico.model.Names.check("profile", profile));
        if (!before.registered()) {
            throw new ValidationException("node '" + node + "' is not registered: start its agent with 'jcalico node start'");
        }
        Optional<Versioned<WorkloadEndpoint>> existing = before.existing();
        if (existing.isPresent() && !intentPending(node, endpointId)) {
            throw new ValidationException(what.description() + " already has an endpoint " + endpointId
                    + " (interface " + existing.get().resource().interfaceName() + ")");
        }
        Intent planned = new Intent(Intent.Operation.attach, node, endpointId, what.containerId(), hostInterface,
                endpointId, List.of(), null);
        Intents.Held intent = intents.beginAttach(planned, what.profiles(), what.description());
        try {
            CrashPoint.reach("intent");
            // killed here, the pair beside may be made, half made or not yet: the intent names it either way
            java.util.function.Supplier<List<Cidr>> taken = () -> {
                List<Cidr> nets = addresses.get();
                CrashPoint.reach("address");
                return nets;
            };
            List<Cidr> nets = beside == null ? taken.get() : Alongside.take(taken, beside);
            String mac = plug.apply(nets);
            CrashPoint.reach("veth");
            EndpointMetadata metadata = what.metadata().get();
            WorkloadEndpoint endpoint = new WorkloadEndpoint(node, what.orchestrator(), what.containerId(), endpointId,
                    hostInterface, mac, nets.stream().filter(n -> n.version() == 4).toList(),
                    nets.stream().filter(n -> n.version() == 6).toList(), what.profiles(), metadata.state(), metadata.namespace(),
                    metadata.labels(), metadata.ports(), null, what.allowSpoofedSourcePrefixes());
            WorkloadEndpoint written = createEndpoint(ipam, endpoint, addressHandle, intent,
                    Referenced.of(node, before.nodeRevision(), intent.profiles()), what.description());
            CrashPoint.reach("endpoint");
            String note = wait.isZero() ? null : awaitProgrammed(written, wait);
            CrashPoint.reach("programmed");
            intents.finish(intent);
            return new Added(written, intent.intent().createdProfiles(), wait.isZero() ? -1 : (System.nanoTime() - start) / 1_000_000,
                    note);
        } catch (RuntimeException e) {
            try {
                intents.tearDown(intent);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /** The outcome of a remove: the endpoints detached, and the unfinished commands on the container that were undone. */
    public record Removed(List<WorkloadEndpoint> endpoints, List<Intent> recovered) {
    }

    /**
     * Detaches every endpoint of the container on this node, after undoing what commands that died while attaching or
     * detaching it left behind.
     */
    public Removed remove(String node, String spec, Duration wait) {
        Removed removed = detach(node, containerIdOf(spec), spec, endpoint -> true, wait);
        if (removed.endpoints().isEmpty() && removed.recovered().isEmpty()) {
            List<ResourceStore.Unreadable> unreadable = endpointsUnder(node).unreadable();
            throw new ValidationException("container '" + spec + "' has no endpoint (see 'jcalico container list')"
                    + (unreadable.isEmpty() ? "" : " that can be read: " + unreadable.size() + " endpoint record(s) of node "
                    + node + " cannot be read and may be its, " + Shown.names(unreadable.stream().map(ResourceStore.Unreadable::key).toList())
                    + " ('jcalico delete WorkloadEndpoint NODE/ID' removes one and what it left: docs/datastore.md)"));
        }
        return removed;
    }

    /**
     * Detaches the container's endpoints that {@code which} selects (on this node), after undoing what commands that
     * died on the container left behind; nothing to detach is no error.
     */
    public Removed detach(String node, String containerId, String spec, java.util.function.Predicate<WorkloadEndpoint> which,
                          Duration wait) {
        return detach(node, containerId, spec, which, wait, UnderWayWait.begun());
    }

    /**
     * Until when removals wait for other commands under way on their containers: one for each removal (a DEL's), or one
     * for a batch of them (a CNI GC's), which would otherwise wait {@link #UNDER_WAY} for each such container.
     */
    public record UnderWayWait(long deadlineNanos) {
        /** A wait of {@link #UNDER_WAY} from now. */
        public static UnderWayWait begun() {
            return new UnderWayWait(System.nanoTime() + UNDER_WAY.toNanos());
        }
    }

    /** {@link #detach(String, String, String, java.util.function.Predicate, Duration)}, waiting until {@code underWay}. */
    public Removed detach(String node, String containerId, String spec, java.util.function.Predicate<WorkloadEndpoint> which,
                          Duration wait, UnderWayWait underWay) {
        containerId = oneContainer(node, containerId, spec);
        List<Intent> recovered = afterUnderWay(node, containerId, "container '" + spec + "'", underWay);
        List<Versioned<WorkloadEndpoint>> endpoints = endpointsOf(node, containerId).stream()
                .filter(endpoint -> which.test(endpoint.resource())).toList();
        if (endpoints.isEmpty()) {
            // nothing here: only then are the other nodes read, to say where the container is
            for (Versioned<WorkloadEndpoint> elsewhere : endpointsOf(null, containerId)) {
                if (which.test(elsewhere.resource())) {
                    throw new ValidationException("container '" + spec + "' is attached on node " + elsewhere.resource().node()
                            + ", not " + node + ": run this on that host");
                }
            }
        }
        return new Removed(detach(node, endpoints, "container '" + spec + "'", wait, Runnable::run), recovered);
    }

    /**
     * Undoes what commands that died on the container left, after waiting (until {@code until}) for those still at
     * work on it: an add under way writes its endpoint at its end, so a removal that found none before it (a CNI DEL
     * from a runtime that gave up waiting for its ADD, which the agent serving it still runs) succeeded, and the add
     * then left an endpoint and addresses of a container gone (docs/cni.md, "Session 56 (t-hunt)"). Still at work after
     * that: the removal fails, saying so, and changes nothing.
     */
    private List<Intent> afterUnderWay(String node, String containerId, String description, UnderWayWait until) {
        List<Intent> recovered = new ArrayList<>();
        while (true) {
            List<RuntimeException> failures = new ArrayList<>();
            Intents.Settled settled = intents.settle(node, containerId, failures);
            recovered.addAll(settled.recovered());
            if (!failures.isEmpty()) {
                throw failures.getFirst();
            }
            Optional<Intent> underWay = settled.underWay();
            if (underWay.isEmpty()) {
                return recovered;
            }
            if (System.nanoTime() > until.deadlineNanos()) {
                throw new ValidationException(Intents.heldBy(underWay.get(), description));
            }
            sleep(UNDER_WAY_POLL_MILLIS);
        }
    }

    /**
     * Detaches one endpoint of the node by its id, after undoing an unfinished command on it; empty if it has none
     * (a runtime asking twice, or after a failed attach that undid itself). The endpoint record goes, and the intent
     * to remove the rest is written, in one commit before this returns; the rest (veth, intent) is removed on
     * {@code rest}: {@code Runnable::run} to have it done before this returns. Done elsewhere, a failure or a kill -9
     * leaves the intent for the next command or the agent's sweep to finish.
     */
    public Optional<WorkloadEndpoint> detachEndpoint(String node, String endpointId, String containerId, String description,
                                                     Executor rest) {
        List<RuntimeException> failures = new ArrayList<>();
        intents.recoverStale(node, containerId, failures);
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
        Optional<Versioned<WorkloadEndpoint>> endpoint = store.get(WorkloadEndpoint.class, node, endpointId);
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        return detach(node, List.of(endpoint.get()), description, Duration.ZERO, rest).stream().findFirst();
    }

    private List<WorkloadEndpoint> detach(String node, List<Versioned<WorkloadEndpoint>> endpoints, String description,
                                          Duration wait, Executor rest) {
        List<WorkloadEndpoint> removed = new ArrayList<>();
        for (Versioned<WorkloadEndpoint> endpoint : endpoints) {
            Intents.Held intent = intents.beginDetach(endpoint, description).orElseThrow(() ->
                    new ValidationException(description + " changed while it was being removed; try again"));
            CrashPoint.reach("detach");
            rest.execute(() -> intents.tearDown(intent));
            removed.add(endpoint.resource());
        }
        awaitUnprogrammed(node, removed, wait);
        return removed;
    }

    /**
     * Waits, up to WAIT in all, until the agent of NODE no longer reports ENDPOINTS (detached) as programmed: one wait
     * for a batch of detaches (a CNI GC's), whose agent may be down, not one each.
     */
    public void awaitUnprogrammed(String node, List<WorkloadEndpoint> endpoints, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        for (WorkloadEndpoint endpoint : endpoints) {
            while (statusOf(node, endpoint.endpointId()).isPresent() && System.nanoTime() < deadline) {
                sleep();
            }
        }
    }

    /** The outcome of relabelling one endpoint: its labels before and after. */
    public record Relabelled(WorkloadEndpoint endpoint, Map<String, String> before) {
        public List<String> changes() {
            return LabelEdit.changes(before, endpoint.labels());
        }
    }

    /**
     * Edits the labels of every endpoint of the container, each by compare-and-swap on its record, so that an edit
     * made meanwhile by someone else is never lost. Its endpoints on {@code node} (where the command runs) are read by
     * that node's key prefix; the whole kind only when it has none there.
     */
    public List<Relabelled> relabel(String node, String spec, List<LabelEdit> edits) {
        String containerId = oneContainer(node, containerIdOf(spec), spec);
        List<Versioned<WorkloadEndpoint>> endpoints = endpointsOf(node, containerId);
        if (endpoints.isEmpty()) {
            // a container of another node (labels are only records): found by reading every node's endpoints
            endpoints = endpointsOf(null, containerId);
        }
        if (endpoints.isEmpty()) {
            throw new ValidationException("container '" + spec + "' has no endpoint (see 'jcalico container list')");
        }
        List<Relabelled> relabelled = new ArrayList<>();
        for (Versioned<WorkloadEndpoint> read : endpoints) {
            relabelled.add(relabel(read, edits));
        }
        return relabelled;
    }

    /** The endpoints of the node with these ids, as stored now (those gone left out). */
    public List<WorkloadEndpoint> endpoints(String node, java.util.Collection<String> endpointIds) {
        return endpointIds.stream().map(id -> store.get(WorkloadEndpoint.class, node, id)).flatMap(Optional::stream)
                .map(Versioned::resource).toList();
    }

    /** The node's endpoints of the orchestrator, as stored now. */
    public List<WorkloadEndpoint> endpointsOn(String node, String orchestrator) {
        return endpointsUnder(node).resources().stream()
                .filter(endpoint -> endpoint.orchestrator().equals(orchestrator)).toList();
    }

    /** Rewrites one endpoint of the node by compare-and-swap, read again on a conflict; empty if it is gone. */
    public Optional<WorkloadEndpoint> updateEndpoint(String node, String endpointId,
                                                     java.util.function.UnaryOperator<WorkloadEndpoint> change) {
        return store.get(WorkloadEndpoint.class, node, endpointId).map(read -> update(read, change).endpoint());
    }

    private Relabelled relabel(Versioned<WorkloadEndpoint> read, List<LabelEdit> edits) {
        return update(read, endpoint -> endpoint.withLabels(LabelEdit.apply(endpoint.labels(), edits)));
    }

    /** The record as rewritten, with the labels of the version it was rewritten from. */
    private Relabelled update(Versioned<WorkloadEndpoint> read, java.util.function.UnaryOperator<WorkloadEndpoint> change) {
        for (int attempt = 1; ; attempt++) {
            WorkloadEndpoint was = read.resource();
            WorkloadEndpoint edited = change.apply(was);
            try {
                if (!edited.equals(was)) {
                    store.update(edited, read.revision());
                }
                return new Relabelled(edited, was.labels());
            } catch (ConflictException e) {
                Optional<Versioned<WorkloadEndpoint>> again = store.get(WorkloadEndpoint.class, was.node(), was.endpointId());
                if (again.isEmpty()) {
                    throw new ValidationException("the endpoint " + was.endpointId() + " was removed meanwhile; nothing was changed");
                }
                if (attempt == 20) {
                    throw e;
                }
                read = again.get();
            }
        }
    }

    /**
     * The one container a given id names, whole: a docker short id that begins the ids of two containers (their
     * endpoints or unfinished commands on the node; on other nodes when it names none here) names neither, as docker
     * refuses it, rather than taking both. Any other id is matched whole already, and read no further here.
     */
    private String oneContainer(String node, String containerId, String spec) {
        if (!Intents.isPrefix(containerId)) {
            return containerId;
        }
        Set<String> here = new TreeSet<>(intents.containerIds(node, containerId));
        endpointsOf(node, containerId).forEach(endpoint -> here.add(endpoint.resource().containerId()));
        Set<String> ids = here.isEmpty() ? endpointsOf(null, containerId).stream().map(endpoint -> endpoint.resource().containerId())
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)) : here;
        if (ids.size() > 1) {
            throw new ValidationException("container '" + Shown.value(spec) + "' is ambiguous: it begins the ids of "
                    + Shown.names(ids) + "; give more of the id; nothing was changed");
        }
        return ids.isEmpty() ? containerId : ids.iterator().next();
    }

    /** The container's endpoints on the node, read by the node's key prefix; on every node when null. */
    private List<Versioned<WorkloadEndpoint>> endpointsOf(String node, String containerId) {
        return endpointsUnder(node).items().stream()
                .filter(e -> Intents.matches(e.resource().containerId(), containerId)).toList();
    }

    /**
     * The node's endpoint records (every node's when null), those that read and those that do not apart: a record
     * nobody can read is not the container asked about, unless its key says so, and must not stop a command on
     * another container of the node (docs/datastore.md, "Session 49 (r-bad)").
     */
    public ResourceStore.Surveyed<WorkloadEndpoint> endpointsUnder(String node) {
        String prefix = node == null ? Keys.prefix(WorkloadEndpoint.class) : Keys.nodePrefix(WorkloadEndpoint.class, node);
        return store.survey(WorkloadEndpoint.class, prefix);
    }

    /** An endpoint with an intent record is one an attachment died on: a new add undoes that one first. */
    private boolean intentPending(String node, String endpointId) {
        return store.datastore().get(Keys.intent(node, endpointId)).isPresent();
    }

    /**
     * The endpoint record is written only while its attachment's intent is as committed, its addresses are still
     * held for it, and its node and profiles are still there, in one commit: an address never has two owners, an
     * intent torn down meanwhile wins, and a node or profile removed meanwhile fails the attachment. Returns the
     * record as written (with its creation time, which tells the agent's report of it from that of an earlier record).
     */
    private WorkloadEndpoint createEndpoint(Ipam ipam, WorkloadEndpoint endpoint, String addressHandle, Intents.Held intent,
                                            Referenced referenced, String description) {
        for (int attempt = 1; ; attempt++) {
            WorkloadEndpoint written = endpoint.createdAt(System.currentTimeMillis());
            List<Op> ops = new ArrayList<>(List.of(ResourceStore.createOp(written),
                    new Op.Unchanged(intent.intent().key(), intent.revision())));
            ops.addAll(ipam.heldBy(addressHandle, endpoint.nets()));
            ops.addAll(referenced.guards());
            try {
                store.commit(ops);
                return written;
            } catch (ConflictException e) {
                // a node or profile removed fails here; one changed, or another allocation in the same block, is read again
                Referenced now = referenced.readAgain(store.datastore(), description);
                if (attempt == 20 || (now.equals(referenced) && !e.key().startsWith(Keys.prefix(IpamBlock.class)))) {
                    throw e;
                }
                referenced = now;
            }
        }
    }

    /** The agent's report on the endpoint, if it has made one. */
    public Optional<EndpointStatus> statusOf(String node, String endpointId) {
        return store.get(EndpointStatus.class, node, endpointId).map(Versioned::resource);
    }

    /**
     * Reads the agent's report on ENDPOINT (this record of it: {@link EndpointStatus#isAbout}) again at each poll, or
     * as soon as a commit of this process follows the read: in the agent itself (the docker plugin, a delegated
     * `container add`) that is the agent's own report being written. A report of an earlier record of the same id (an
     * add killed after the agent programmed it, undone by this one) is not this one's: it was taken for it until
     * session 70, and the add returned before the agent had programmed the veth it made. Returns what the report says
     * of the endpoint programmed (null: nothing).
     */
    private String awaitProgrammed(WorkloadEndpoint endpoint, Duration wait) {
        String node = endpoint.node();
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            long commits = store.datastore().commitsMade();
            Optional<EndpointStatus> status = statusOf(node, endpoint.endpointId()).filter(report -> report.isAbout(endpoint));
            if (status.isPresent() && status.get().state() == EndpointStatus.State.programmed) {
                return status.get().detail();
            }
            if (status.isPresent() && status.get().state() == EndpointStatus.State.failed) {
                throw new ValidationException("the agent on node " + node + " could not program the endpoint: "
                        + status.get().detail());
            }
            try {
                store.datastore().awaitCommit(commits, Duration.ofMillis(POLL_MILLIS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new ValidationException("the agent on node " + node + " did not report the endpoint programmed within "
                + wait.toSeconds() + " s (is it running? see 'jcalico node status'); nothing was changed");
    }

    /**
     * The IP versions an attachment takes addresses of, read once, after its intent, by whichever of its two threads
     * (the addresses', the pair's) needs them first.
     */
    private static final class Versions {
        private final Supplier<List<Integer>> read;
        private List<Integer> versions;

        Versions(Supplier<List<Integer>> read) {
            this.read = read;
        }

        synchronized List<Integer> get() {
            if (versions == null) {
                versions = read.get();
            }
            return versions;
        }
    }

    /**
     * The IP versions the attachment gets an address of: the requested addresses', else one of each enabled pool's
     * (of {@code pools}, when given).
     */
    private static List<Integer> versions(Ipam ipam, List<IpAddress> requested, List<Cidr> pools) {
        if (!requested.isEmpty()) {
            return requested.stream().map(IpAddress::version).distinct().sorted().toList();
        }
        List<Integer> versions = ipam.pools().stream().map(Versioned::resource).filter(pool -> !pool.disabled())
                .filter(pool -> pools.isEmpty() || pools.contains(pool.cidr()))
                .map(pool -> pool.cidr().version()).distinct().sorted().toList();
        if (versions.isEmpty()) {
            throw new ValidationException(pools.isEmpty()
                    ? "no enabled IP pool to take an address from: add one with 'jcalico pool add CIDR'"
                    : "none of the pools " + pools + " is an enabled IP pool (see 'jcalico pool list')");
        }
        return versions;
    }

    private List<Cidr> allocate(Ipam ipam, String node, String endpointId, List<IpAddress> requested, List<Integer> versions,
                                List<Cidr> pools) {
        List<Cidr> nets = new ArrayList<>();
        if (requested.isEmpty()) {
            for (int version : versions) {
                nets.add(Cidr.host(ipam.autoAssign(node, version, endpointId, pools)));
            }
        } else {
            for (IpAddress address : requested) {
                ipam.assign(address, node, endpointId);
                nets.add(Cidr.host(address));
            }
        }
        return nets;
    }

    private String containerIdOf(String spec) {
        try {
            return resolver.resolve(spec).containerId();
        } catch (ValidationException | WorkloadException e) {
            // the container or its namespace is gone already: its endpoint is still known by the id it had
            return spec;
        }
    }

    /**
     * What an attachment reads before it starts, in one read (on etcd one transaction, where these were four round
     * trips): the node's Felix configuration, the node's record (its revision: the endpoint record's guard), and an endpoint of the same id.
     */
    private record Before(FelixConfiguration config, long nodeRevision, Optional<Versioned<WorkloadEndpoint>> existing) {
        /** Whether the node is registered: its record's revision, 0 without one. */
        boolean registered() {
            return nodeRevision != 0;
        }
    }

    private Before before(String node, String endpointId) {
        List<Optional<KeyValue>> read = store.datastore().getAll(List.of(
                Keys.keyOf(FelixConfiguration.class, FelixConfiguration.GLOBAL),
                Keys.keyOf(FelixConfiguration.class, FelixConfiguration.nodeName(node)), Keys.keyOf(Node.class, node),
                Keys.nodeKey(WorkloadEndpoint.class, node, endpointId)));
        FelixConfiguration config = FelixConfiguration.effective(
                ResourceStore.decoded(FelixConfiguration.class, read.get(0)).map(Versioned::resource).orElse(null),
                ResourceStore.decoded(FelixConfiguration.class, read.get(1)).map(Versioned::resource).orElse(null));
        return new Before(config, ResourceStore.decoded(Node.class, read.get(2)).map(Versioned::revision).orElse(0L),
                ResourceStore.decoded(WorkloadEndpoint.class, read.get(3)));
    }

    /** The node's effective Felix configuration, as its agent reads it. */
    public static FelixConfiguration config(ResourceStore store, String node) {
        return FelixConfiguration.effective(
                store.get(FelixConfiguration.class, FelixConfiguration.GLOBAL).map(Versioned::resource).orElse(null),
                store.get(FelixConfiguration.class, FelixConfiguration.nodeName(node)).map(Versioned::resource).orElse(null));
    }

    private static IpAddress address(String text) {
        try {
            return IpAddress.parse(text);
        } catch (ValidationException e) {
            throw new ValidationException("address: " + e.getMessage());
        }
    }

    /** Stable for a container's interface on a node, so that a retried add finds the first one. */
    /** The host side's name: the interface prefix and as much of the endpoint id as fits in 15 characters. */
    public static String hostInterface(String prefix, String endpointId) {
        return prefix + endpointId.substring(0, 15 - prefix.length());
    }

    /** A hash of where the endpoint is: node, container and the container's interface. */
    public static String endpointId(String node, String containerId, String containerInterface) {
        return Sha256.hex(node + "/" + containerId + "/" + containerInterface, 8);
    }

    private static void sleep() {
        sleep(POLL_MILLIS);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
