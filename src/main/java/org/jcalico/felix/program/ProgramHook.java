package org.jcalico.felix.program;

/** A jump from a built-in hook point of the kernel (table and chain, e.g. filter FORWARD) into one of jcalico's. */
public record ProgramHook(String table, String builtinChain, String chain) {
}
