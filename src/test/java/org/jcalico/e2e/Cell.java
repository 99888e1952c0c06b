package org.jcalico.e2e;

/** One probe of a truth table: traffic of one kind and family from one pod to another. */
public record Cell(Pod from, Pod to, Traffic traffic, int family) {
    @Override
    public String toString() {
        return from.id() + " -> " + to.id() + " " + traffic + " IPv" + family;
    }
}
