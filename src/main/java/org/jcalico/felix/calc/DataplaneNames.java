package org.jcalico.felix.calc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jcalico.model.Direction;

/**
 * Names of jcalico's chains and ipsets. Readable where the kernel's limits allow (chains 28 characters, ipsets 31),
 * otherwise a hash under a different marker, so that a readable name can never collide with a hashed one.
 */
public final class DataplaneNames {
    public static final String INPUT = "jc-INPUT";
    public static final String FORWARD = "jc-FORWARD";
    public static final String WORKLOAD_TO_HOST = "jc-wl-to-host";
    public static final String FROM_DISPATCH = "jc-from-wl-dispatch";
    public static final String TO_DISPATCH = "jc-to-wl-dispatch";
    public static final String POSTROUTING = "jc-POSTROUTING";

    private DataplaneNames() {
    }

    /** The from-endpoint dispatch chain for interfaces whose name continues with {@code key} after the prefix. */
    public static String fromDispatch(String key) {
        return FROM_DISPATCH + "-" + key;
    }

    public static String toDispatch(String key) {
        return TO_DISPATCH + "-" + key;
    }

    /** Chain for traffic from an endpoint (its outbound policy). */
    public static String fromEndpoint(String interfaceName) {
        return "jc-fw-" + interfaceName;
    }

    /** Chain for traffic to an endpoint (its inbound policy). */
    public static String toEndpoint(String interfaceName) {
        return "jc-tw-" + interfaceName;
    }

    /** Every pool's CIDR of the IP version: destinations that are never masqueraded. */
    public static String allPoolsSet(int version) {
        return "jc-" + version + "-all-pools";
    }

    /** The natOutgoing pools' CIDRs of the IP version: sources that are masqueraded. */
    public static String natPoolsSet(int version) {
        return "jc-" + version + "-nat-pools";
    }

    public static String profile(String profile, Direction direction) {
        String marker = direction == Direction.INBOUND ? "pi" : "po";
        return readableOrHashed("jc-" + marker, profile, 28);
    }

    public static String tagSet(String tag, int version) {
        return readableOrHashed("jc-" + version + "t", tag, 31);
    }

    private static String readableOrHashed(String marker, String name, int limit) {
        String readable = marker + "-" + name;
        if (readable.length() <= limit) {
            return readable;
        }
        return marker + "h-" + hash(name);
    }

    private static String hash(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
