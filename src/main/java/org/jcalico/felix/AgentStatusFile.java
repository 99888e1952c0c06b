package org.jcalico.felix;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The agent's state in a small JSON file beside its pid file, replaced atomically; `jcalico node status` and
 * `node start` read it.
 */
public final class AgentStatusFile {
    /**
     * degraded: in sync with the datastore, but something is not as configured (an endpoint failed, the kernel or
     * BIRD refused something, a pass failed); the status's problem says what.
     */
    public enum State {
        starting, disconnected, in_sync, degraded, stopped;

        /** The agent has read the datastore and programs the host (possibly with problems). */
        public boolean running() {
            return this == in_sync || this == degraded;
        }
    }

    /**
     * One reading of the file.
     *
     * @param programmed the endpoints the last pass programmed with their policy; while the agent is not in sync
     *     (starting, disconnected, stopped) the kernel keeps enforcing what that pass left, so these are still that
     *     pass's counts, an earlier agent's pass's after a restart
     * @param isolated the endpoints that pass programmed isolated on purpose (their state is not active: everything
     *     they send or would get is dropped), not counted in PROGRAMMED; 0 in a file an agent before session 49 wrote
     * @param syncedAtMillis when that pass ended, the last moment the kernel was programmed from the datastore in
     *     sync; 0: no agent of this run directory has programmed yet
     * @param warnings what is wrong beside the node's state and does not change it (a health or metrics listener that
     *     cannot bind its address: the dataplane is fine), one line each
     * @param pages where the agent's pages are to be served (by listener: `health`, `metrics`), as the cluster's
     *     configuration last said to this node's agent; a listener the configuration turned off is absent. A new agent
     *     serves there until it has read the configuration, also while it waits for a datastore it cannot reach
     * @param appliedRevision the datastore revision through which the node's agents have taken every change to the
     *     kernel, the tracked connections of every address that left another node's endpoint forgotten: a record of
     *     another node's endpoint written after it may hold an address whose earlier holder's connections this node
     *     still tracks (docs/dataplane.md, "Session 65 (t-restart)"); 0: unknown (no pass yet since the machine
     *     started, or a file an agent before session 65 wrote)
     */
    public record Status(String node, long pid, State state, int programmed, int isolated, int failed, String problem,
                         long updatedAtMillis, List<String> warnings, long syncedAtMillis, Map<String, Served> pages,
                         long appliedRevision) {
        public Status {
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
            pages = pages == null ? Map.of() : Map.copyOf(pages);
        }

        /**
         * This status as a terminal may show it: its problem and warnings name what others made (a link's name, a
         * peer's, a kernel's or etcd's message), written out as {@link org.jcalico.util.Shown#escaped} writes them.
         */
        public Status shown() {
            return new Status(node, pid, state, programmed, isolated, failed, org.jcalico.util.Shown.escaped(problem),
                    updatedAtMillis, warnings.stream().map(org.jcalico.util.Shown::escaped).toList(), syncedAtMillis, pages,
                    appliedRevision);
        }

        /**
         * What the kernel holds, as `node status` says it: the last pass's counts, and since when they are not the
         * datastore's while the agent is not in sync.
         */
        public String endpoints(long nowMillis) {
            return state.running() ? "endpoints: " + counts() : kept(nowMillis);
        }

        /** What the kernel keeps of the last pass, whatever the agent does now (not running at all, say). */
        public String kept(long nowMillis) {
            return syncedAtMillis == 0 ? "endpoints: none programmed yet"
                    : kept(" (" + Math.max(0, nowMillis - syncedAtMillis) / 1000 + " s ago)");
        }

        /** {@link #kept(long)} without the time since, for a verdict made from these facts alone. */
        public String kept() {
            return syncedAtMillis == 0 ? "nothing programmed yet" : kept("");
        }

        private String kept(String ago) {
            return "not in sync since " + Instant.ofEpochMilli(syncedAtMillis).truncatedTo(ChronoUnit.SECONDS) + ago
                    + "; the kernel keeps enforcing what was programmed then, endpoints: " + counts();
        }

        /** Isolated endpoints are named only when there are some: most nodes have none, and scripts read the rest. */
        private String counts() {
            return programmed + " programmed, " + (isolated == 0 ? "" : isolated + " isolated, ") + failed + " failed";
        }
    }

    /** An address a listener is to serve at: an IP literal and a port, as FelixConfiguration gives them. */
    public record Served(String host, int port) {
    }

    /** In a class of its own, made at first use: the supervisor reads the state alone, without the mapper's classes. */
    private static final class Mapper {
        static final JsonMapper JSON = new JsonMapper();
    }

    private final Path path;
    private final String node;
    /** The last status this process wrote, for its own health pages (no file read per probe). */
    private volatile Status last;
    private final List<Supplier<String>> warnings = new CopyOnWriteArrayList<>();
    private final Map<String, Supplier<Served>> pages = new ConcurrentHashMap<>();

    public AgentStatusFile(Path path, String node) {
        this.path = path;
        this.node = node;
    }

    /**
     * A pass's outcome (in sync or degraded): the kernel holds what this pass programmed, from now, and every change
     * through APPLIEDREVISION ({@link Status#appliedRevision}).
     */
    synchronized void write(State state, int programmed, int isolated, int failed, String problem, long appliedRevision) {
        long now = System.currentTimeMillis();
        write(new Status(node, ProcessHandle.current().pid(), state, programmed, isolated, failed, problem, now,
                currentWarnings(), now, currentPages(), appliedRevision));
    }

    /**
     * The agent is not in sync (starting, disconnected, stopped): the kernel keeps what the last pass programmed, this
     * agent's or, before its first, what the file says an earlier agent's was.
     */
    public synchronized void writeOutOfSync(State state, String problem) {
        Status kept = kept();
        write(new Status(node, ProcessHandle.current().pid(), state, kept.programmed(), kept.isolated(), kept.failed(),
                problem, System.currentTimeMillis(), currentWarnings(), kept.syncedAtMillis(), currentPages(),
                kept.appliedRevision()));
    }

    /**
     * Before another agent starts (`node start`): the earlier agent's report, in sync or not, can no longer pass for
     * the new one's, but what it programmed is still what the kernel holds, so the file keeps it as stopped.
     */
    public synchronized void retire() {
        Status earlier = read();
        if (earlier != null && earlier.state() != State.stopped) {
            write(new Status(earlier.node(), earlier.pid(), State.stopped, earlier.programmed(), earlier.isolated(),
                    earlier.failed(), null, System.currentTimeMillis(), List.of(), earlier.syncedAtMillis(), earlier.pages(),
                    earlier.appliedRevision()));
        } else if (earlier == null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new IllegalStateException("cannot remove " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /** This process's last pass, else what the file holds of an earlier agent's, else nothing programmed. */
    private Status kept() {
        Status kept = last != null ? last : read();
        return kept != null ? kept : new Status(node, 0, State.starting, 0, 0, 0, null, 0, List.of(), 0, Map.of(), 0);
    }

    private List<String> currentWarnings() {
        return warnings.stream().map(Supplier::get).filter(Objects::nonNull).toList();
    }

    private Map<String, Served> currentPages() {
        Map<String, Served> current = new TreeMap<>();
        pages.forEach((name, address) -> {
            Served served = address.get();
            if (served != null) {
                current.put(name, served);
            }
        });
        return current;
    }

    /**
     * Every writer builds its status and writes it under this object's lock: a status built with a listener's old
     * address (a pass's) could otherwise land after the {@link #refresh} that recorded the listener closed, and two
     * writers would share the temporary file.
     */
    private void write(Status status) {
        last = status;
        try {
            Files.createDirectories(path.getParent());
            Path temporary = path.resolveSibling(path.getFileName() + ".tmp");
            Mapper.JSON.writeValue(temporary.toFile(), status);
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Adds a source of a warning (null: none now), asked at every write of the status. */
    public void addWarning(Supplier<String> warning) {
        warnings.add(warning);
    }

    /** Adds a listener whose address (null: none) every write of the status records under {@code name}. */
    public void addPage(String name, Supplier<Served> address) {
        pages.put(name, address);
    }

    /**
     * Writes the last status again with the listeners' addresses and the warnings as they are now (the configuration
     * moved or closed a listener): a process that dies before its next status must not leave the old address for the
     * next agent to serve at.
     */
    public synchronized void refresh() {
        Status status = last;
        if (status != null) {
            write(new Status(status.node(), status.pid(), status.state(), status.programmed(), status.isolated(),
                    status.failed(), status.problem(), System.currentTimeMillis(), currentWarnings(), status.syncedAtMillis(),
                    currentPages(), status.appliedRevision()));
        }
    }

    /** {@link Status#appliedRevision} of this process's last status, else of the file's; 0 when neither says. */
    public long appliedRevision() {
        return kept().appliedRevision();
    }

    /** The last status this process wrote, or null before the first. */
    public Status last() {
        return last;
    }

    /** Whether the last status this process wrote says in sync: the kernel holds the datastore's state, nothing failed. */
    public boolean inSync() {
        Status status = last;
        return status != null && status.state() == State.in_sync;
    }

    /** The last state written, or null if there is none. */
    public Status read() {
        try {
            return Files.exists(path) ? Mapper.JSON.readValue(path.toFile(), Status.class) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The status of the running agent with this pid: what it wrote, or before its first write (the file is an earlier
     * agent's), starting, with what the earlier one left in the kernel; null if there is no file.
     */
    public Status readFor(long pid) {
        Status written = read();
        return written == null || written.pid() == pid ? written : new Status(written.node(), pid, State.starting,
                written.programmed(), written.isolated(), written.failed(), null, written.updatedAtMillis(), List.of(),
                written.syncedAtMillis(), written.pages(), written.appliedRevision());
    }

    /**
     * The state of the last status written, or null if there is none: read with Jackson's streaming parser alone, for
     * the supervisor, a process that lives as long as its agent and would otherwise keep the object mapper's 400
     * classes in its metaspace for the one question it asks (docs/agent.md, "Memory").
     */
    public State readState() {
        if (!Files.exists(path)) {
            return null;
        }
        try (JsonParser parser = new JsonFactory().createParser(path.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                if (parser.nextToken() == JsonToken.VALUE_STRING && field.equals("state")) {
                    return State.valueOf(parser.getText());
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
