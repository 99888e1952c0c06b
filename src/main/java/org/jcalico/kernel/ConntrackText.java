package org.jcalico.kernel;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * Reads the text of a namespace's tracked connections as the kernel lists them in /proc/net/nf_conntrack, a line each:
 * {@code ipv6 10 tcp 6 299 ESTABLISHED src=fd00:0000:...:0005 dst=... sport=1000 dport=2000 [UNREPLIED] src=... mark=0
 * zone=7 use=2}, the original direction's tuple first, then the reply's. {@link Conntrack#forget} reads it to learn
 * which of the addresses it is given have a connection at all before it deletes any (docs/dataplane.md, "Session 65
 * (p-lent)").
 */
final class ConntrackText {
    private static final String SOURCE = " src=";
    private static final String DESTINATION = " dst=";

    private ConntrackText() {
    }

    /** How the file writes ADDRESS: IPv4 dotted, IPv6 as eight groups of four lower-case hex digits (the kernel's %pI6). */
    static String form(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress();
        StringBuilder form = new StringBuilder(39);
        for (int i = 0; i < bytes.length; i += 2) {
            if (i > 0) {
                form.append(':');
            }
            form.append(HexFormat.of().toHexDigits(bytes[i])).append(HexFormat.of().toHexDigits(bytes[i + 1]));
        }
        return form.toString();
    }

    /**
     * Of WANTED (addresses in the file's {@link #form}), those TEXT shows as a line's original source or destination: the
     * first {@code src=} and {@code dst=} of the line, whole (10.0.0.1 is not 10.0.0.11). The reply's tuple is not read,
     * as {@link Conntrack#forget} deletes by the original direction's addresses.
     */
    static Set<String> shown(String text, Set<String> wanted) {
        Set<String> shown = new HashSet<>();
        int line = 0;
        while (line < text.length() && shown.size() < wanted.size()) {
            int end = text.indexOf('\n', line);
            end = end < 0 ? text.length() : end;
            for (String side : new String[] {SOURCE, DESTINATION}) {
                int start = text.indexOf(side, line);
                if (start >= 0 && start < end) {
                    start += side.length();
                    int stop = text.indexOf(' ', start);
                    String address = text.substring(start, stop < 0 || stop > end ? end : stop);
                    if (wanted.contains(address)) {
                        shown.add(address);
                    }
                }
            }
            line = end + 1;
        }
        return shown;
    }
}
