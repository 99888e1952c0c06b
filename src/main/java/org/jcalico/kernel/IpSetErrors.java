package org.jcalico.kernel;

import java.util.Map;

/**
 * What the kernel's ipset refusals mean. Beside the usual errnos (ENOENT: no set of that name), ipset answers with
 * numbers of its own, from 4096 on (include/uapi/linux/netfilter/ipset/ip_set.h and ip_set_hash.h), whose words the
 * kernel does not hold: the ipset tool prints its own for them. These are jcalico's words for each, with the number, so
 * that a refusal reads as one and can be looked up.
 */
final class IpSetErrors {
    /** The first of ipset's own numbers; any errno from here on is one of them. */
    static final int PRIVATE = 4096;
    private static final Map<Integer, String> TEXTS = Map.ofEntries(
            Map.entry(4097, "the kernel does not speak this ipset protocol"),
            Map.entry(4098, "the kernel has no such set type"),
            Map.entry(4099, "the kernel holds as many sets as it can"),
            Map.entry(4100, "the set is in use by a kernel component (a rule refers to it)"),
            Map.entry(4101, "the second set does not exist"),
            Map.entry(4102, "the two sets are of different types"),
            Map.entry(4103, "the set or element exists already"),
            Map.entry(4104, "the prefix length is not valid for this set"),
            Map.entry(4105, "the netmask is not valid"),
            Map.entry(4106, "the address family does not match the set's"),
            Map.entry(4107, "the set has no timeout"),
            Map.entry(4108, "the set is referenced and cannot be swapped or renamed"),
            Map.entry(4109, "an IPv4 address was expected"),
            Map.entry(4110, "an IPv6 address was expected"),
            Map.entry(4352, "the set is full (maxelem)"),
            Map.entry(4353, "the element cannot be stored in this set"),
            Map.entry(4354, "the protocol is not valid here"),
            Map.entry(4355, "a protocol is missing"),
            Map.entry(4356, "this set takes no ranges"),
            Map.entry(4357, "the range is not valid"));

    private IpSetErrors() {
    }

    /** The words for an ipset number: "the set is full (maxelem) (ipset error 4352)". */
    static String text(int errno) {
        return TEXTS.getOrDefault(errno, "refused") + " (ipset error " + errno + ")";
    }
}
