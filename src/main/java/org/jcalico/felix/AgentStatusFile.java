package org.jcalico.felix;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
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
     * @param warnings what is wrong beside the node's state and does not change it (a health or metrics listener that
     *     cannot bind its address: the dataplane is fine), one line each
     */
    public record Status(String node, long pid, State state, int programmed, int failed, String problem,
                         long updatedAtMillis, List<String> warnings) {
        public Status {
            warnings = warnings == null ? List.of() : List.copyOf(warnings);
        }
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

    public AgentStatusFile(Path path, String node) {
        this.path = path;
        this.node = node;
    }

    void write(State state, int programmed, int failed, String problem) {
        Status status = new Status(node, ProcessHandle.current().pid(), state, programmed, failed, problem,
                System.currentTimeMillis(), warnings.stream().map(Supplier::get).filter(Objects::nonNull).toList());
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

    /** The last status this process wrote, or null before the first. */
    public Status last() {
        return last;
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
