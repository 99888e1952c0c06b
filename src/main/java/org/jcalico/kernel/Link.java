package org.jcalico.kernel;

import java.util.Map;

/**
 * A link as the rtnetlink dump of links shows it: whether it is administratively up, and the per-interface settings
 * that its message carries. The kernel puts each address family's settings of the link into IFLA_AF_SPEC: AF_INET's
 * IFLA_INET_CONF and AF_INET6's IFLA_INET6_CONF are the arrays that /proc/sys/net/ipv4/conf/NAME/ and
 * /proc/sys/net/ipv6/conf/NAME/ show one file each of ({@code inet_fill_link_af}, {@code inet6_fill_ifla6_attrs}), so
 * one dump answers what thousands of reads of those files would.
 */
public final class Link {
    /**
     * Where a file of /proc/sys/net/ipv4/conf/NAME/ is in IFLA_INET_CONF: its IPV4_DEVCONF_ number less one (the
     * array starts at IPV4_DEVCONF_FORWARDING = 1). Only the settings jcalico writes; any other is read from its file.
     */
    private static final Map<String, Integer> IPV4 = Map.of("forwarding", 0, "proxy_arp", 2);
    /** Where a file of /proc/sys/net/ipv6/conf/NAME/ is in IFLA_INET6_CONF: its DEVCONF_ number (linux/ipv6.h). */
    private static final Map<String, Integer> IPV6 = Map.of("forwarding", 0, "accept_ra", 3, "disable_ipv6", 26,
            "accept_dad", 27);
    private final boolean up;
    /** The devconf arrays as the dump gave them; null when the link has none of that family (no in_device, inet6_dev). */
    private final int[] ipv4;
    private final int[] ipv6;

    Link(boolean up, int[] ipv4, int[] ipv6) {
        this.up = up;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
    }

    public boolean up() {
        return up;
    }

    /**
     * What /proc/sys/net/FAMILY/conf/NAME/SETTING holds ("1"), FAMILY "ipv4" or "ipv6"; null when the dump did not
     * carry it (the link has no such family, as an IPv6 link under 1280 bytes of MTU, or a setting not known here).
     */
    public String conf(String family, String setting) {
        int[] values = family.equals("ipv4") ? ipv4 : family.equals("ipv6") ? ipv6 : null;
        Integer index = family.equals("ipv4") ? IPV4.get(setting) : IPV6.get(setting);
        return values == null || index == null || index >= values.length ? null : Integer.toString(values[index]);
    }

    /** The devconf array of an IFLA_INET_CONF or IFLA_INET6_CONF attribute (ints in the host's order), or null. */
    static int[] conf(byte[] attribute) {
        if (attribute == null) {
            return null;
        }
        int[] values = new int[attribute.length / 4];
        java.nio.ByteBuffer.wrap(attribute).order(java.nio.ByteOrder.nativeOrder()).asIntBuffer().get(values);
        return values;
    }
}
