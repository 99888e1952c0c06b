package org.jcalico.cni;

import java.util.List;

/** The versions of the CNI specification jcalico speaks, and what each allows. */
public final class CniVersion {
    public static final String V0_4_0 = "0.4.0";
    public static final String V1_0_0 = "1.0.0";
    public static final String V1_1_0 = "1.1.0";
    public static final List<String> SUPPORTED = List.of(V0_4_0, V1_0_0, V1_1_0);
    /** What an error is reported in when the request's own version cannot be told. */
    public static final String LATEST = V1_1_0;

    private CniVersion() {
    }

    public static boolean supported(String version) {
        return SUPPORTED.contains(version);
    }

    /** STATUS and GC came with 1.1.0. */
    public static boolean hasStatusAndGc(String version) {
        return V1_1_0.equals(version);
    }

    /** Before 1.0.0 each IP of a result says its family ("version"). */
    public static boolean ipsCarryFamily(String version) {
        return V0_4_0.equals(version);
    }

    /** The newest version both sides speak, or null (for a delegated plugin's VERSION answer). */
    public static String common(String ours, List<String> theirs) {
        for (int i = SUPPORTED.indexOf(ours); i >= 0; i--) {
            if (theirs.contains(SUPPORTED.get(i))) {
                return SUPPORTED.get(i);
            }
        }
        return null;
    }
}
