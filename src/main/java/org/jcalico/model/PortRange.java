package org.jcalico.model;

/** One port or an inclusive range of ports. */
public record PortRange(int first, int last) {
    public PortRange {
        if (first < 0 || last > 65535 || first > last) {
            throw new IllegalArgumentException("bad port range " + first + ":" + last);
        }
    }

    public boolean isSingle() {
        return first == last;
    }

    @Override
    public String toString() {
        return isSingle() ? Integer.toString(first) : first + ":" + last;
    }
}
