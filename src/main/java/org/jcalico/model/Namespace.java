package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Map;

/**
 * A namespace of endpoints, as Kubernetes has them; its labels are what a rule's namespaceSelector matches. Every
 * endpoint is in one (default {@value #DEFAULT}), whether or not this resource exists for it.
 */
public record Namespace(String name, @KeepsEmptyValues Map<String, String> labels) implements Resource {
    public static final String KIND = "Namespace";
    public static final String DEFAULT = "default";

    public Namespace {
        checkName("name", name);
        labels = LabelRules.check("labels", labels);
    }

    /** A namespace's name: a lower-case DNS label of up to 63 characters. */
    public static String checkName(String field, String name) {
        if (name == null) {
            throw new ValidationException(field + ": missing");
        }
        if (!LabelRules.isDnsLabel(name)) {
            throw ValidationException.field(field, name, "is not a valid namespace name (up to 63 lower-case letters,"
                    + " digits and '-', a letter or digit at both ends)");
        }
        return name;
    }

    public Namespace withLabels(Map<String, String> newLabels) {
        return new Namespace(name, newLabels);
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }
}
