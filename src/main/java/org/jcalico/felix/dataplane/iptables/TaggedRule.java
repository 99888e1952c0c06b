package org.jcalico.felix.dataplane.iptables;

/**
 * A jcalico-tagged rule in a built-in chain (a hook) at a 1-based position; spec is the rule as iptables accepts it
 * after "-D CHAIN", so that it can be deleted by content rather than by a position that others may shift.
 */
public record TaggedRule(int position, String hash, String spec) {
}
