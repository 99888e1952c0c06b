package org.jcalico.model;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.model.selector.Selector;

/**
 * What a policy says, in Calico's terms: the endpoints it applies to ({@code selector}, and for a global policy
 * {@code namespaceSelector}), its tier and its order in the tier (lower first; absent = last; ties by name), the
 * directions it governs, and its rules per direction. {@code types} absent is derived as Calico derives it: Egress
 * with egress rules only, Ingress and Egress with both, otherwise Ingress.
 */
public record PolicySpec(String tier, Double order, String selector, String namespaceSelector, List<PolicyType> types,
                         List<Rule> ingress, List<Rule> egress) {
    public PolicySpec {
        tier = tier == null || tier.isEmpty() ? Tier.DEFAULT : Names.check("spec.tier", tier);
        if (order != null && (order.isNaN() || order.isInfinite())) {
            throw ValidationException.field("spec.order", order, "is not a finite number");
        }
        selector = selector(selector, "spec.selector");
        namespaceSelector = namespaceSelector == null || namespaceSelector.isBlank() ? null
                : selector(namespaceSelector, "spec.namespaceSelector");
        ingress = Lists.copy("spec.ingress", ingress);
        egress = Lists.copy("spec.egress", egress);
        types = types == null || types.isEmpty() ? defaultTypes(ingress, egress) : List.copyOf(new java.util.TreeSet<>(Lists.copy("spec.types", types)));
        for (Rule rule : ingress) {
            checkRule("spec.ingress", rule);
        }
        for (Rule rule : egress) {
            checkRule("spec.egress", rule);
        }
    }

    private static List<PolicyType> defaultTypes(List<Rule> ingress, List<Rule> egress) {
        List<PolicyType> types = new ArrayList<>();
        if (!ingress.isEmpty() || egress.isEmpty()) {
            types.add(PolicyType.INGRESS);
        }
        if (!egress.isEmpty()) {
            types.add(PolicyType.EGRESS);
        }
        return List.copyOf(types);
    }

    /** An empty selector selects every endpoint, as Calico's all(). */
    private static String selector(String text, String field) {
        try {
            Selector parsed = Selector.parse(text == null ? "" : text);
            if (parsed.usesGlobal()) {
                throw new ValidationException("global() is only allowed in a rule's namespaceSelector");
            }
            return parsed.toString();
        } catch (ValidationException e) {
            throw new ValidationException(field + ": " + e.getMessage());
        }
    }

    private static void checkRule(String field, Rule rule) {
        for (EntityMatch side : List.of(rule.source(), rule.destination())) {
            for (String text : java.util.Arrays.asList(side.selector(), side.notSelector())) {
                if (text != null && Selector.parse(text).usesGlobal()) {
                    throw new ValidationException(field + ": global() is only allowed in a namespaceSelector");
                }
            }
        }
    }

    public List<Rule> rules(Direction direction) {
        return direction == Direction.INBOUND ? ingress : egress;
    }

    public boolean governs(Direction direction) {
        return types.contains(PolicyType.of(direction));
    }
}
