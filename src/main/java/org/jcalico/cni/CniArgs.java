package org.jcalico.cni;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.model.LabelEdit;
import org.jcalico.model.ValidationException;

/**
 * CNI_ARGS ("KEY=VALUE;KEY=VALUE"): what jcalico reads of it. A key it does not know is an error, as in the CNI
 * library's convention, unless IgnoreUnknown is set (as podman and Kubernetes runtimes do).
 *
 * @param podNamespace K8S_POD_NAMESPACE, or null
 * @param podName      K8S_POD_NAME, or null
 * @param profiles     JCALICO_PROFILES (comma-separated)
 * @param labels       JCALICO_LABELS (KEY=VALUE, comma-separated)
 */
public record CniArgs(String podNamespace, String podName, List<String> profiles, Map<String, String> labels) {
    public static final CniArgs NONE = new CniArgs(null, null, List.of(), Map.of());
    private static final Set<String> IGNORED = Set.of("IgnoreUnknown", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID");

    public CniArgs {
        profiles = List.copyOf(profiles);
        labels = Map.copyOf(labels);
    }

    public static CniArgs parse(String text) {
        if (text == null || text.isEmpty()) {
            return NONE;
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        // -1: an empty pair (a stray ';', at the end too) is an error, as in the CNI library, not dropped
        for (String pair : text.split(";", -1)) {
            int equals = pair.indexOf('=');
            if (equals < 1) {
                throw invalid("'" + pair + "' is not KEY=VALUE");
            }
            pairs.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        boolean ignoreUnknown = List.of("1", "true").contains(pairs.getOrDefault("IgnoreUnknown", "").toLowerCase());
        List<String> profiles = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        String podNamespace = null;
        String podName = null;
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            String value = pair.getValue();
            switch (pair.getKey()) {
                case "K8S_POD_NAMESPACE" -> podNamespace = value.isEmpty() ? null : value;
                case "K8S_POD_NAME" -> podName = value.isEmpty() ? null : value;
                case "JCALICO_PROFILES" -> profiles.addAll(words("JCALICO_PROFILES", value));
                case "JCALICO_LABELS" -> {
                    // read as `container add --label` reads them: each key once, checked by the label rules
                    try {
                        labels.putAll(LabelEdit.assignments(words("JCALICO_LABELS", value)));
                    } catch (ValidationException e) {
                        throw invalid("JCALICO_LABELS: " + e.getMessage());
                    }
                }
                default -> {
                    if (!ignoreUnknown && !IGNORED.contains(pair.getKey())) {
                        throw invalid("unknown key '" + pair.getKey() + "' (set IgnoreUnknown=1 to pass it)");
                    }
                }
            }
        }
        return new CniArgs(podNamespace, podName, profiles, labels);
    }

    /** The comma-separated items of KEY's VALUE, none of them empty (a stray comma is an error, not dropped). */
    private static List<String> words(String key, String value) {
        List<String> words = value.isEmpty() ? List.of() : List.of(value.split(",", -1));
        if (words.contains("")) {
            throw invalid(key + ": '" + value + "' has an empty item");
        }
        return words;
    }

    private static CniError invalid(String details) {
        return new CniError(CniError.INVALID_ENVIRONMENT, "invalid CNI_ARGS", details);
    }
}
