package org.jcalico.felix.dataplane.ipsets;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;

/**
 * Reads the jc- sets out of "ipset save" output; members come back in the canonical form IpSetSpec uses.
 *
 * <p>Every resync reads the kernel's sets back (every 10 s by default), and on a node of a big cluster they hold a
 * member for every endpoint of the cluster: the text is walked by offsets, and only a member and a set's name become
 * strings. Split by regular expressions, a line at a time, the parse of `bench scale`'s 100,000 members allocated some
 * 50 MB per resync, much of it promoted by the young collections it caused (docs/agent.md, "Memory", session 52).
 */
public final class IpSetSaveParser {
    private IpSetSaveParser() {
    }

    public static IpSetSnapshot parse(String save) {
        Map<String, Integer> versions = new LinkedHashMap<>();
        Map<String, IpSetSpec.Type> types = new HashMap<>();
        Map<String, Set<String>> members = new HashMap<>();
        Set<String> misfits = new HashSet<>();
        Fields fields = new Fields(save);
        // the set named by the line before: a set's members follow its create line, so its name is made once
        String name = "";
        for (int start = 0; start < save.length(); ) {
            int end = save.indexOf('\n', start);
            end = end < 0 ? save.length() : end;
            fields.read(start, end);
            start = end + 1;
            if (fields.count() < 3 || !fields.startsWith(1, HostState.OWNED_PREFIX)) {
                continue;
            }
            if (!fields.is(1, name)) {
                name = fields.get(1);
            }
            if (fields.is(0, "create")) {
                IpSetSpec.Type type = IpSetSpec.Type.ofKernelName(fields.get(2));
                int version = versionOf(fields);
                if (type == null || version == 0) {
                    misfits.add(name);
                } else {
                    versions.put(name, version);
                    types.put(name, type);
                    members.put(name, new HashSet<>());
                }
            } else if (fields.is(0, "add") && versions.containsKey(name)) {
                members.get(name).add(canonical(fields.get(2), types.get(name), versions.get(name)));
            }
        }
        Map<String, IpSetSpec> sets = new LinkedHashMap<>();
        versions.forEach((set, version) -> sets.put(set, new IpSetSpec(set, types.get(set), version, members.get(set))));
        return new IpSetSnapshot(sets, misfits);
    }

    /** "create NAME TYPE family inet|inet6 ..." gives 4 or 6; any other family gives 0. */
    private static int versionOf(Fields create) {
        for (int i = 3; i + 1 < create.count(); i++) {
            if (create.is(i, "family")) {
                return create.is(i + 1, "inet") ? 4 : create.is(i + 1, "inet6") ? 6 : 0;
            }
        }
        return 0;
    }

    /** ipset prints a single-host net without its prefix length; an address and port as IpSetSpec keeps it. */
    static String canonical(String member, IpSetSpec.Type type, int version) {
        if (type != IpSetSpec.Type.NET || member.indexOf('/') >= 0) {
            return member;
        }
        return member + (version == 4 ? "/32" : "/128");
    }

    /**
     * The fields of one line of the text, separated by white space as a regular expression's {@code \s} is (space,
     * tab, line feed, vertical tab, form feed, carriage return), held as offsets into the text: a field becomes a
     * string only when asked for.
     */
    private static final class Fields {
        private final String text;
        /** Each field's start and end, in pairs. */
        private int[] bounds = new int[32];
        private int count;

        Fields(String text) {
            this.text = text;
        }

        void read(int start, int end) {
            count = 0;
            for (int i = start; i < end; ) {
                while (i < end && isSpace(text.charAt(i))) {
                    i++;
                }
                if (i == end) {
                    break;
                }
                int from = i;
                while (i < end && !isSpace(text.charAt(i))) {
                    i++;
                }
                if (2 * count + 2 > bounds.length) {
                    bounds = Arrays.copyOf(bounds, bounds.length * 2);
                }
                bounds[2 * count] = from;
                bounds[2 * count + 1] = i;
                count++;
            }
        }

        int count() {
            return count;
        }

        boolean is(int field, String word) {
            int length = bounds[2 * field + 1] - bounds[2 * field];
            return length == word.length() && text.startsWith(word, bounds[2 * field]);
        }

        boolean startsWith(int field, String prefix) {
            return bounds[2 * field + 1] - bounds[2 * field] >= prefix.length() && text.startsWith(prefix, bounds[2 * field]);
        }

        String get(int field) {
            return text.substring(bounds[2 * field], bounds[2 * field + 1]);
        }

        private static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
        }
    }
}
