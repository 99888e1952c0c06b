package org.jcalico.policy;

import org.jcalico.model.EntityMatch;
import org.jcalico.model.selector.Selector;

/**
 * The selectors of one rule side as they act, per docs/policy.md ("The effective selector of a rule side"): a
 * namespaced policy's selectors are scoped to its namespace unless the side names a namespaceSelector; a
 * namespaceSelector becomes a selector over the pcns. labels endpoints inherit; a notSelector is never scoped.
 */
public final class RuleSelectors {
    private RuleSelectors() {
    }

    /**
     * The positive selector of a side: the addresses it matches must belong to an endpoint or network set it
     * matches; null when the side constrains nothing by labels.
     *
     * @param policyNamespace the namespace of a NetworkPolicy; null for a GlobalNetworkPolicy or a profile
     */
    public static Selector positive(EntityMatch side, String policyNamespace) {
        Selector own = side.selector() == null ? Selector.all() : Selector.parse(side.selector());
        if (side.namespaceSelector() != null) {
            return Selector.parse(side.namespaceSelector()).overNamespaceLabels(EndpointLabels.NAMESPACE_PREFIX).and(own);
        }
        if (policyNamespace != null && (side.selector() != null || side.notSelector() != null)) {
            return new Selector.Eq(EndpointLabels.NAMESPACE, policyNamespace).and(own);
        }
        return side.selector() == null ? null : own;
    }

    /** The negative selector of a side, as written (unscoped), or null. */
    public static Selector negative(EntityMatch side) {
        return side.notSelector() == null ? null : Selector.parse(side.notSelector());
    }
}
