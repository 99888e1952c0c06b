package org.jcalico.workload;

import java.util.List;
import java.util.Map;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.LabelRules;
import org.jcalico.model.WorkloadEndpoint;

/**
 * What policy sees of a container's endpoint besides its profiles: its namespace, labels, named ports and state. Checked by
 * the endpoint record's own rules when made, so that an attachment refuses bad ones before it changes anything.
 */
public record EndpointMetadata(String namespace, Map<String, String> labels, List<EndpointPort> ports, String state) {
    /** The default namespace, no labels, no named ports. */
    public static final EndpointMetadata NONE = new EndpointMetadata(null, null, null);

    /**
     * @param state {@value WorkloadEndpoint#ACTIVE}, or another state to have the endpoint isolated (all its traffic
     *              dropped) until it is rewritten active: the docker plugin's endpoint whose labels are not known yet
     */
    public EndpointMetadata {
        namespace = WorkloadEndpoint.namespaceOrDefault(namespace);
        labels = LabelRules.checkOwn("labels", labels);
        ports = WorkloadEndpoint.checkPorts(ports);
        state = state == null ? WorkloadEndpoint.ACTIVE : state;
    }

    /** An active endpoint's metadata. */
    public EndpointMetadata(String namespace, Map<String, String> labels, List<EndpointPort> ports) {
        this(namespace, labels, ports, null);
    }
}
