package org.jcalico.model;

/** An ICMP type and optional code, as Calico's {@code icmp: {type: 8, code: 0}}. */
public record IcmpMatch(Integer type, Integer code) {
    public IcmpMatch {
        if (type == null) {
            throw new ValidationException("type: missing (0-254)");
        }
        // iptables takes 255 as "any type", so a rule for type 255 would match every ICMP packet
        if (type < 0 || type > 254) {
            throw ValidationException.field("type", type, "is not in 0-254");
        }
        if (code != null && (code < 0 || code > 255)) {
            throw ValidationException.field("code", code, "is not in 0-255");
        }
    }

    /** From jcalico's earlier separate type and code: null when neither is given. */
    public static IcmpMatch of(Integer type, Integer code) {
        if (type == null && code != null) {
            throw ValidationException.field("icmpCode", code, "needs an icmpType");
        }
        return type == null ? null : new IcmpMatch(type, code);
    }

    @Override
    public String toString() {
        return type + (code == null ? "" : "/" + code);
    }
}
