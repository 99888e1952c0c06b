package org.jcalico.model;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Calico's per-rule metadata: annotations people keep with a rule (who asked for it, why); never interpreted. */
public record RuleMetadata(Map<String, String> annotations) {
    public RuleMetadata {
        TreeMap<String, String> sorted = new TreeMap<>();
        (annotations == null ? Map.<String, String>of() : annotations).forEach((key, value) -> {
            Names.checkText("metadata.annotations", key);
            if (value == null) {
                throw new ValidationException("metadata.annotations." + key + ": missing value");
            }
            sorted.put(key, Names.checkText("metadata.annotations." + key, value));
        });
        annotations = Collections.unmodifiableSortedMap(sorted);
    }
}
