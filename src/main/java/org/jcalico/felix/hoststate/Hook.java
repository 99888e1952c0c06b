package org.jcalico.felix.hoststate;

/**
 * The one rule jcalico places at the top of a built-in chain it hooks, e.g. FORWARD "-j jc-FORWARD" in filter.
 * Everything else in built-in chains belongs to others and is never touched.
 */
public record Hook(String table, String builtinChain, String rule) {
}
