package org.jcalico.felix.hoststate;

import java.util.Set;

/**
 * A jcalico-owned ipset of one IP family and type, with members in the canonical form ipset itself prints for that
 * type: "10.0.0.5/32" or "fd00::/64" in a {@link Type#NET} set, "10.0.0.5,tcp:80" in an {@link Type#IP_PORT} set.
 * Members are a hash set, not a sorted one: the agent builds sets of tens of thousands of members on every change, and
 * only the few lines written to the kernel need an order. The sets calc keeps between calculations are
 * {@link MemberSet}s, which are immutable already and tell the driver what changed.
 */
public record IpSetSpec(String name, Type type, int version, Set<String> members) {
    /** The kinds of ipset jcalico creates, by the kernel's name for them. */
    public enum Type {
        /** Networks (an address is a /32 or /128): what a tag, a pool or a selector matches. */
        NET("hash:net"),
        /** An address with a protocol and port: the endpoints of a named port, each on its own number. */
        IP_PORT("hash:ip,port");

        private final String kernelName;

        Type(String kernelName) {
            this.kernelName = kernelName;
        }

        public String kernelName() {
            return kernelName;
        }

        /** The type the kernel calls NAME, or null for a kind jcalico does not create. */
        public static Type ofKernelName(String name) {
            for (Type type : values()) {
                if (type.kernelName.equals(name)) {
                    return type;
                }
            }
            return null;
        }
    }

    public IpSetSpec {
        if (!name.startsWith(HostState.OWNED_PREFIX) || name.length() > 31) {
            throw new IllegalArgumentException("ipset name " + name + " is not jcalico's or is too long");
        }
        if (type == null) {
            throw new IllegalArgumentException("ipset " + name + " has no type");
        }
        members = members instanceof MemberSet kept ? kept : Set.copyOf(members);
    }

    /** A set of networks. */
    public IpSetSpec(String name, int version, Set<String> members) {
        this(name, Type.NET, version, members);
    }
}
