package org.jcalico.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcalico.agent.AgentPaths;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.DatastoreUrl;
import org.jcalico.model.Names;
import org.jcalico.model.ValidationException;

/**
 * Which jcalico a configuration talks to: its datastore, node and run directory, from the configuration alone
 * (`cni install` writes them there), so that the plugin never depends on the environment a runtime gives it. What
 * the configuration leaves out is jcalico's default: the default datastore, the hostname, /run/jcalico.
 */
public record Target(DatastoreUrl datastore, String node, Path runDir) {
    public static final Path DEFAULT_RUN_DIR = Path.of("/run/jcalico");

    public static Target of(NetworkConfig config) {
        try {
            DatastoreUrl datastore = DatastoreUrl.resolve(config.datastore(), null);
            String node = Names.check("nodename", config.nodename() != null ? config.nodename() : hostname());
            Path runDir = config.runDir() == null ? DEFAULT_RUN_DIR : Path.of(config.runDir());
            if (!runDir.isAbsolute()) {
                throw new ValidationException("run_dir: '" + runDir + "' is not an absolute path");
            }
            return new Target(datastore, node, runDir);
        } catch (ValidationException | DatastoreException e) {
            throw NetworkConfig.invalid(e.getMessage());
        }
    }

    public AgentPaths agentPaths() {
        return AgentPaths.of(node, runDir, AgentPaths.DEFAULT_LOG);
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            throw new ValidationException("nodename: missing, and the hostname cannot be read");
        }
    }
}
