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
    /** The maxelem of a hash set made without one. */
    private static final int DEFAULT_MAX_ELEMENTS = 65_536;

    private IpSetSaveParser() {
    }

    public static IpSetSnapshot parse(String save) {
        return parse(save, Map.of());
    }

    /**
     * The same, where each set read that holds exactly what KNOWN holds under its name (its type, family and members)
     * is KNOWN's object: a resync's read-back then keeps one set's members at a time rather than every member of the
     * kernel's sets until the fill has planned (100,000 strings on a node of `bench scale`'s cluster, promoted by
     * the young collections of the read), and the fill plans from calc's object where nothing changed, as after a
     * refused sweep (IpSetDriver).
     */
    public static IpSetSnapshot parse(String save, Map<String, IpSetSpec> known) {
        Map<String, Integer> versions = new LinkedHashMap<>();
        Map<String, IpSetSpec.Type> types = new HashMap<>();
        Map<String, Set<String>> members = new HashMap<>();
        Map<String, IpSetSpec> equalToKnown = new HashMap<>();
        Set<String> misfits = new HashSet<>();
        Map<String, Integer> sizes = new HashMap<>();
        Fields fields = new Fields(save);
        // the set named by the line before: a set's members follow its create line, so its name is made once, and
        // its members are complete when a line names another set
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
                settle(name, versions, types, members, known, equalToKnown);
                name = fields.get(1);
            }
            if (fields.is(0, "create")) {
                IpSetSpec.Type type = IpSetSpec.Type.ofKernelName(fields.get(2));
                int version = versionOf(fields);
                equalToKnown.remove(name);
                if (type == null || version == 0) {
                    misfits.add(name);
                } else {
                    versions.put(name, version);
                    types.put(name, type);
                    members.put(name, new HashSet<>());
                    int maxElements = maxElementsOf(fields);
                    if (maxElements < IpSetPlanner.MAX_ELEMENTS) {
                        // only these: a snapshot carries its sizes through every change's fill
                        sizes.put(name, maxElements);
                    }
                }
            } else if (fields.is(0, "add") && versions.containsKey(name)) {
                if (equalToKnown.remove(name) != null) {
                    // a set listed in two runs of lines (ipset save never does): read on from a copy of its members
                    members.put(name, new HashSet<>(members.get(name)));
                }
                members.get(name).add(canonical(fields.get(2), types.get(name), versions.get(name)));
            }
        }
        settle(name, versions, types, members, known, equalToKnown);
        Map<String, IpSetSpec> sets = new LinkedHashMap<>();
        versions.forEach((set, version) -> sets.put(set, equalToKnown.containsKey(set) ? equalToKnown.get(set)
                : new IpSetSpec(set, types.get(set), version, members.get(set))));
        return new IpSetSnapshot(sets, misfits, sizes);
    }

    /** Once SET's lines have been read: if it holds what KNOWN's set of its name holds, its parsed members go. */
    private static void settle(String set, Map<String, Integer> versions, Map<String, IpSetSpec.Type> types,
                               Map<String, Set<String>> members, Map<String, IpSetSpec> known,
                               Map<String, IpSetSpec> equalToKnown) {
        IpSetSpec wanted = known.get(set);
        if (wanted != null && versions.containsKey(set) && !equalToKnown.containsKey(set)
                && wanted.type() == types.get(set) && wanted.version() == versions.get(set)
                && wanted.members().equals(members.get(set))) {
            equalToKnown.put(set, wanted);
            members.put(set, wanted.members());
        }
    }

    /** "create NAME TYPE ... maxelem N ..." gives N; without it, the kernel's default (65,536). */
    private static int maxElementsOf(Fields create) {
        for (int i = 3; i + 1 < create.count(); i++) {
            if (create.is(i, "maxelem")) {
                try {
                    return Integer.parseInt(create.get(i + 1));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return DEFAULT_MAX_ELEMENTS;
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
