package org.jcalico.workload;

import java.util.List;
import java.util.Map;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.LabelRules;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What policy sees of a container's endpoint besides its profiles: its namespace, labels and named ports. Checked by
 * the endpoint record's own rules when made, so that an attachment refuses bad ones before it changes anything.
 */
public record EndpointMetadata(String namespace, Map<String, String> labels, List<EndpointPort> ports) {
    /** The default namespace, no labels, no named ports. */
    public static final EndpointMetadata NONE = new EndpointMetadata(null, null, null);

    public EndpointMetadata {
        namespace = WorkloadEndpoint.namespaceOrDefault(namespace);
        labels = LabelRules.checkOwn("labels", labels);
        ports = WorkloadEndpoint.checkPorts(ports);
    }
}
