package org.jcalico.felix.program;

/** Which end of a packet a criterion tests: its source (address, port, incoming interface) or its destination. */
public enum Side {
    SOURCE, DESTINATION
}
