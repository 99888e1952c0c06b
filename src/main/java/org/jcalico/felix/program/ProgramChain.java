package org.jcalico.felix.program;

import java.util.List;

/** A named chain of neutral rules; a packet that no deciding rule takes returns to whoever jumped here. */
public record ProgramChain(String name, List<ProgramRule> rules) {
    public ProgramChain {
        rules = List.copyOf(rules);
    }
}
