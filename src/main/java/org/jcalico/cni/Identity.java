package org.jcalico.cni;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jcalico.model.LabelRules;
import org.jcalico.model.Namespace;
import org.jcalico.model.ValidationException;
import org.jcalico.workload.EndpointMetadata;

/**
 * Who a CNI attachment is to policy: its profiles, namespace and labels, from the network configuration, CNI_ARGS and
 * the runtime's Kubernetes-style arguments. K8S_POD_NAMESPACE and K8S_POD_NAME are taken as facts about the container
 * (its namespace, and the label {@value #POD_LABEL}), never as a sign that a Kubernetes API is there to ask: podman
 * sends them without one. A value that is no valid namespace or label is left out with a note, not refused, since
 * the runtime chose it and the user cannot change it.
 *
 * @param notes what was left out and why, for the plugin's standard error
 */
public record Identity(List<String> profiles, EndpointMetadata metadata, List<String> notes) {
    /** The network an endpoint was attached through: GC selects "this runtime's" endpoints by it. */
    public static final String NETWORK_LABEL = "cni.jcalico.org/network";
    public static final String POD_LABEL = "cni.jcalico.org/pod";
    public static final String ORCHESTRATOR = "cni";

    /**
     * Profiles: the configuration's, then CNI_ARGS' JCALICO_PROFILES; none given means one named after the network
     * (created as a security group on first use: members reach each other), as Calico's plugin does.
     * Labels: the configuration's, then JCALICO_LABELS over them, then the pod and network labels.
     */
    public static Identity of(NetworkConfig config, CniArgs args) {
        List<String> notes = new ArrayList<>();
        LinkedHashSet<String> profiles = new LinkedHashSet<>(config.profiles());
        profiles.addAll(args.profiles());
        if (profiles.isEmpty()) {
            profiles.add(config.name());
        }
        Map<String, String> labels = new LinkedHashMap<>(config.labels());
        labels.putAll(args.labels());
        String namespace = null;
        if (args.podNamespace() != null) {
            if (isNamespace(args.podNamespace())) {
                namespace = args.podNamespace();
            } else {
                notes.add("K8S_POD_NAMESPACE '" + args.podNamespace() + "' is not a namespace name: the endpoint is in namespace default");
            }
        }
        if (args.podName() != null) {
            if (LabelRules.isValue(args.podName())) {
                labels.put(POD_LABEL, args.podName());
            } else {
                notes.add("K8S_POD_NAME '" + args.podName() + "' is not a label value: no " + POD_LABEL + " label");
            }
        }
        labels.put(NETWORK_LABEL, config.name());
        try {
            return new Identity(List.copyOf(profiles), new EndpointMetadata(namespace, labels, null), notes);
        } catch (ValidationException e) {
            throw NetworkConfig.invalid(e.getMessage());
        }
    }

    private static boolean isNamespace(String name) {
        try {
            Namespace.checkName("namespace", name);
            return true;
        } catch (ValidationException e) {
            return false;
        }
    }
}
