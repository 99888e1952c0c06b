package org.jcalico.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code metadata} of a resource in Calico's v3 form: its name, its namespace (namespaced kinds only), its labels
 * (what selectors match, for network sets) and annotations (kept, never interpreted).
 */
public record Metadata(String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {
    public static final String DEFAULT_NAMESPACE = "default";

    public Metadata {
        Names.check("metadata.name", name);
        if (namespace != null) {
            checkNamespace("metadata.namespace", namespace);
        }
        labels = LabelRules.check("metadata.labels", labels);
        annotations = annotations == null ? Map.of() : annotations;
        annotations.forEach((key, value) -> {
            Names.checkText("metadata.annotations", key);
            Names.checkText("metadata.annotations." + key, value);
        });
        annotations = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
    }

    public static Metadata named(String name) {
        return new Metadata(name, null, null, null);
    }

    public static String checkNamespace(String field, String namespace) {
        if (!LabelRules.isDnsLabel(namespace)) {
            throw ValidationException.field(field, namespace,
                    "is not a valid namespace (lower-case letters, digits and '-', up to 63, starting and ending with a letter or digit)");
        }
        return namespace;
    }

    /** This metadata for a kind without namespaces: one given is an error. */
    Metadata global(String kind) {
        if (namespace != null) {
            throw ValidationException.field("metadata.namespace", namespace, "is not allowed: a " + kind + " is not namespaced");
        }
        return this;
    }

    /** This metadata for a namespaced kind: without a namespace, it is in "default". */
    Metadata namespaced() {
        return namespace != null ? this : new Metadata(name, DEFAULT_NAMESPACE, labels, annotations);
    }
}
