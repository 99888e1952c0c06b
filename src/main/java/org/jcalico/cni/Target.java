package org.jcalico.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.jcalico.agent.AgentPaths;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.model.Names;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;

/**
 * Which jcalico a configuration talks to: its datastore, node, run directory and log directory, from the configuration
 * alone (`cni install` writes them there), so that the plugin never depends on the environment a runtime gives it.
 * What the configuration leaves out is jcalico's default: the default datastore, the hostname, /run/jcalico,
 * /var/log/jcalico.
 */
public record Target(DatastoreUrl datastore, String node, Path runDir, Path logDir) {
    public static final Path DEFAULT_RUN_DIR = Path.of("/run/jcalico");

    public static Target of(NetworkConfig config) {
        try {
            DatastoreUrl datastore = DatastoreUrl.resolve(config.datastore(), null);
            String node = Names.check("nodename", config.nodename() != null ? config.nodename() : hostname());
            return new Target(datastore, node, directory("run_dir", config.runDir(), DEFAULT_RUN_DIR),
                    directory("log_dir", config.logDir(), AgentPaths.DEFAULT_LOG));
        } catch (ValidationException | DatastoreException e) {
            throw NetworkConfig.invalid(e.getMessage());
        }
    }

    public AgentPaths agentPaths() {
        return AgentPaths.of(node, runDir, logDir);
    }

    /** The field's directory, or the default when it is absent; relative to nothing a runtime promises, so refused. */
    private static Path directory(String field, String text, Path absent) {
        if (text == null) {
            return absent;
        }
        try {
            Path dir = Path.of(text);
            if (dir.isAbsolute()) {
                return dir;
            }
        } catch (InvalidPathException e) {
            // the same refusal as a relative path: the line names the value
        }
        throw new ValidationException(field + ": '" + Shown.value(text) + "' is not an absolute path");
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            throw new ValidationException("nodename: missing, and the hostname cannot be read");
        }
    }
}
