package org.jcalico.felix.dataplane.ipsets;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;

/**
 * Keeps jcalico's ipsets equal to the desired ones with one `ipset restore` per pass. Small changes add and delete
 * members; a set that changes wholesale is filled aside and swapped in, so a packet never sees it half-filled.
 * Sets that are no longer wanted are destroyed by {@link #sweep}, after iptables stopped referring to them.
 */
public final class IpSetDriver {
    private static final int MAX_ELEMENTS = 1 << 20;
    private final CommandRunner runner;
    /** Set name to members, as last read or written; null when unknown. */
    private Map<String, Set<String>> known;

    public IpSetDriver(CommandRunner runner) {
        this.runner = runner;
    }

    public void forget() {
        known = null;
    }

    /** Creates and updates the desired sets; returns how many were written. */
    public int update(Map<String, IpSetSpec> desired) {
        if (known == null) {
            known = read();
        }
        StringBuilder input = new StringBuilder();
        int written = 0;
        for (IpSetSpec set : desired.values()) {
            Set<String> present = known.get(set.name());
            if (set.members().equals(present)) {
                continue;
            }
            written++;
            if (present == null) {
                input.append(create(set.name(), set.version()));
                set.members().forEach(member -> input.append("add ").append(set.name()).append(' ').append(member).append('\n'));
            } else if (changes(present, set.members()) * 2 > Math.max(16, present.size())) {
                String temporary = "jc-tmp-" + Integer.toHexString(set.name().hashCode());
                input.append("destroy ").append(temporary).append(" -exist\n");
                input.append(create(temporary, set.version()));
                set.members().forEach(member -> input.append("add ").append(temporary).append(' ').append(member).append('\n'));
                input.append("swap ").append(temporary).append(' ').append(set.name()).append('\n');
                input.append("destroy ").append(temporary).append('\n');
            } else {
                present.stream().filter(member -> !set.members().contains(member))
                        .forEach(member -> input.append("del ").append(set.name()).append(' ').append(member).append(" -exist\n"));
                set.members().stream().filter(member -> !present.contains(member))
                        .forEach(member -> input.append("add ").append(set.name()).append(' ').append(member).append(" -exist\n"));
            }
        }
        restore(input);
        desired.values().forEach(set -> known.put(set.name(), set.members()));
        return written;
    }

    /** Destroys jcalico's sets that are not desired; returns how many. */
    public int sweep(Map<String, IpSetSpec> desired) {
        StringBuilder input = new StringBuilder();
        List<String> stale = known.keySet().stream().filter(name -> !desired.containsKey(name)).sorted().toList();
        stale.forEach(name -> input.append("destroy ").append(name).append('\n'));
        restore(input);
        stale.forEach(known::remove);
        return stale.size();
    }

    private void restore(StringBuilder input) {
        if (input.length() == 0) {
            return;
        }
        try {
            runner.run(List.of("ipset", "restore"), input.toString()).check();
        } catch (RuntimeException e) {
            known = null;
            throw e;
        }
    }

    private static String create(String name, int version) {
        return "create " + name + " hash:net family " + (version == 4 ? "inet" : "inet6") + " maxelem " + MAX_ELEMENTS
                + " -exist\n";
    }

    private static int changes(Set<String> present, Set<String> wanted) {
        int changes = 0;
        for (String member : present) {
            changes += wanted.contains(member) ? 0 : 1;
        }
        for (String member : wanted) {
            changes += present.contains(member) ? 0 : 1;
        }
        return changes;
    }

    private Map<String, Set<String>> read() {
        return parse(runner.run("ipset", "save").check().stdout());
    }

    /** jcalico's sets in `ipset save` output, members in canonical CIDR form (ipset prints hosts without /32). */
    static Map<String, Set<String>> parse(String save) {
        Map<String, Set<String>> sets = new HashMap<>();
        for (String line : save.split("\n")) {
            String[] words = line.split("\\s+");
            if (words.length < 3 || !words[1].startsWith(HostState.OWNED_PREFIX)) {
                continue;
            }
            if (words[0].equals("create")) {
                sets.putIfAbsent(words[1], new TreeSet<>());
            } else if (words[0].equals("add")) {
                sets.computeIfAbsent(words[1], name -> new TreeSet<>()).add(Cidr.parseHostOrNet(words[2]).toString());
            }
        }
        return sets;
    }
}
