package org.jcalico.ui;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jcalico.flows.DeniedFlowFile;
import org.jcalico.util.FileTail;

/**
 * The latest denied flows of the nodes whose logs are on this machine: the end of each node's {@link DeniedFlowFile}
 * (one JSON object per dropped packet, as docs/observability.md describes it), newest first, passed on as they are
 * for the page to show. A line that is not a JSON object (one being written) is skipped.
 */
public final class DeniedFlowFeed {
    private static final JsonMapper JSON = new JsonMapper();
    private static final long TAIL_BYTES = 256 * 1024;
    private final Path logRoot;

    public DeniedFlowFeed(Path logRoot) {
        this.logRoot = logRoot;
    }

    public List<Map<String, Object>> latest(List<String> nodes, int count) throws IOException {
        List<Map<String, Object>> flows = new ArrayList<>();
        for (String node : nodes) {
            for (String line : FileTail.lines(DeniedFlowFile.of(logRoot, node), count, TAIL_BYTES)) {
                try {
                    flows.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() { }));
                } catch (IOException e) {
                    // a line cut short while the agent writes it
                }
            }
        }
        flows.sort(Comparator.comparing((Map<String, Object> flow) -> String.valueOf(flow.get("time"))).reversed());
        return flows.subList(0, Math.min(count, flows.size()));
    }
}
