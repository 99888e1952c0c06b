package org.jcalico.felix.dataplane.ipsets;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;

/** Reads the jc- sets out of "ipset save" output; members come back in the canonical form IpSetSpec uses. */
public final class IpSetSaveParser {
    private IpSetSaveParser() {
    }

    public static IpSetSnapshot parse(String save) {
        Map<String, Integer> versions = new LinkedHashMap<>();
        Map<String, IpSetSpec.Type> types = new HashMap<>();
        Map<String, Set<String>> members = new HashMap<>();
        Set<String> misfits = new HashSet<>();
        for (String line : save.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length < 3 || !fields[1].startsWith(HostState.OWNED_PREFIX)) {
                continue;
            }
            String name = fields[1];
            if (fields[0].equals("create")) {
                IpSetSpec.Type type = IpSetSpec.Type.ofKernelName(fields[2]);
                int version = versionOf(fields);
                if (type == null || version == 0) {
                    misfits.add(name);
                } else {
                    versions.put(name, version);
                    types.put(name, type);
                    members.put(name, new HashSet<>());
                }
            } else if (fields[0].equals("add") && versions.containsKey(name)) {
                members.get(name).add(canonical(fields[2], types.get(name), versions.get(name)));
            }
        }
        Map<String, IpSetSpec> sets = new LinkedHashMap<>();
        versions.forEach((name, version) -> sets.put(name, new IpSetSpec(name, types.get(name), version, members.get(name))));
        return new IpSetSnapshot(sets, misfits);
    }

    /** "create NAME TYPE family inet|inet6 ..." gives 4 or 6; any other family gives 0. */
    private static int versionOf(String[] create) {
        for (int i = 3; i + 1 < create.length; i++) {
            if (create[i].equals("family")) {
                return switch (create[i + 1]) {
                    case "inet" -> 4;
                    case "inet6" -> 6;
                    default -> 0;
                };
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
}
