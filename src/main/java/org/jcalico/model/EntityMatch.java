package org.jcalico.model;

/** One side (source or destination) of a rule: any of a tag, a network and ports; null fields match anything. */
public record EntityMatch(String tag, Cidr net, Ports ports) {
    public static final EntityMatch ANY = new EntityMatch(null, null, null);

    public EntityMatch {
        if (tag != null) {
            Names.check("tag", tag);
        }
    }

    public boolean isAny() {
        return tag == null && net == null && ports == null;
    }
}
