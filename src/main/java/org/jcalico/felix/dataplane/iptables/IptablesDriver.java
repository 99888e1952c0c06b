package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.kernel.CommandRunner;

/**
 * Keeps iptables (or ip6tables) equal to the desired state with one `iptables-restore --noflush` per pass: only
 * chains whose rules changed are rewritten, chains no longer wanted are deleted, hooks are kept at the top of their
 * built-in chains, and nothing that is not jcalico's is touched.
 */
public final class IptablesDriver {
    private final int version;
    private final CommandRunner runner;
    /** What the kernel holds, as last read or written: table -> owned chain -> rule hashes; null when unknown. */
    private Map<String, Map<String, List<String>>> known;
    /** Built-in chains' rules as last read; hooks are checked against these. */
    private SavedTables lastRead;
    /** The chains this driver wrote, with their hashes, so that an unchanged chain is not hashed again. */
    private final Map<String, Chain> written = new HashMap<>();
    private final Map<String, List<String>> writtenHashes = new HashMap<>();

    public IptablesDriver(int version, CommandRunner runner) {
        this.version = version;
        this.runner = runner;
    }

    public int version() {
        return version;
    }

    /** Result of one pass: how many chains were written and deleted, and hooks repaired. */
    public record Changes(int written, int deleted, int hooksRepaired) {
    }

    /** Reads the kernel back on the next pass (the resync). */
    public void forget() {
        known = null;
    }

    public Changes apply(IptablesState desired) {
        boolean hooksChecked = known == null;
        if (known == null) {
            lastRead = SavedTables.parse(runner.run(tool("save")).check().stdout());
            known = new HashMap<>();
            lastRead.ownedChains().forEach((table, chains) -> known.put(table, new HashMap<>(chains)));
        }
        Set<String> tables = new TreeSet<>(desired.tables().keySet());
        tables.addAll(known.keySet());
        StringBuilder input = new StringBuilder();
        int written = 0;
        int deleted = 0;
        int hooks = 0;
        Map<String, Map<String, List<String>>> after = new HashMap<>();
        for (String table : tables) {
            Map<String, Chain> wanted = desired.chains(table);
            Map<String, List<String>> present = known.getOrDefault(table, Map.of());
            Map<String, List<String>> hashes = new LinkedHashMap<>();
            wanted.forEach((name, chain) -> hashes.put(name, hashes(table, chain)));
            List<String> lines = new ArrayList<>();
            List<Chain> toWrite = wanted.values().stream().filter(c -> !hashes.get(c.name()).equals(present.get(c.name()))).toList();
            toWrite.forEach(chain -> lines.add(":" + chain.name() + " - [0:0]"));
            for (Chain chain : toWrite) {
                List<String> chainHashes = hashes.get(chain.name());
                for (int i = 0; i < chain.rules().size(); i++) {
                    lines.add("-A " + chain.name() + " " + RuleHash.tagged(chainHashes.get(i), chain.rules().get(i)));
                }
            }
            if (hooksChecked) {
                hooks += repairHooks(table, desired.hooks(), lines);
            }
            List<String> stale = present.keySet().stream().filter(name -> !wanted.containsKey(name)).sorted().toList();
            stale.forEach(name -> lines.add("-F " + name));
            stale.forEach(name -> lines.add("-X " + name));
            if (!lines.isEmpty()) {
                input.append('*').append(table).append('\n');
                lines.forEach(line -> input.append(line).append('\n'));
                input.append("COMMIT\n");
            }
            written += toWrite.size();
            deleted += stale.size();
            if (!hashes.isEmpty()) {
                after.put(table, hashes);
            }
        }
        if (input.length() > 0) {
            try {
                runner.run(List.of(tool("restore"), "--noflush", "-w", "5"), input.toString()).check();
            } catch (RuntimeException e) {
                known = null;
                throw e;
            }
        }
        known = after;
        return new Changes(written, deleted, hooks);
    }

    /** Removes hooks that are no longer wanted and puts each wanted one exactly once at the top of its chain. */
    private int repairHooks(String table, List<Hook> hooks, List<String> lines) {
        Set<String> wanted = new TreeSet<>();
        int repaired = 0;
        for (Hook hook : hooks) {
            if (hook.table().equals(table)) {
                wanted.add(RuleHash.of(hook.builtinChain(), 0, hook.rule()));
                repaired += repairHook(hook, lines);
            }
        }
        for (List<String> rules : lastRead.builtinRules().getOrDefault(table, Map.of()).values()) {
            for (String rule : rules) {
                String hash = RuleHash.find(rule);
                if (hash != null && !wanted.contains(hash)) {
                    lines.add(0, "-D" + rule.substring(2));
                    repaired++;
                }
            }
        }
        return repaired;
    }

    /** Adds lines that leave exactly one copy of the hook, at position 1; returns 1 if a repair was needed. */
    private int repairHook(Hook hook, List<String> lines) {
        String hash = RuleHash.of(hook.builtinChain(), 0, hook.rule());
        List<String> rules = lastRead.builtin(hook.table(), hook.builtinChain());
        List<String> ours = rules.stream().filter(rule -> hash.equals(RuleHash.find(rule))).toList();
        boolean fine = ours.size() == 1 && !rules.isEmpty() && rules.get(0).equals(ours.get(0));
        if (fine) {
            return 0;
        }
        ours.forEach(rule -> lines.add("-D" + rule.substring(2)));
        lines.add("-I " + hook.builtinChain() + " 1 " + RuleHash.tagged(hash, hook.rule()));
        return 1;
    }

    private List<String> hashes(String table, Chain chain) {
        String key = table + "/" + chain.name();
        if (chain.equals(written.get(key))) {
            return writtenHashes.get(key);
        }
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i < chain.rules().size(); i++) {
            hashes.add(RuleHash.of(chain.name(), i, chain.rules().get(i)));
        }
        written.put(key, chain);
        writtenHashes.put(key, hashes);
        return hashes;
    }

    private String tool(String verb) {
        return (version == 4 ? "iptables-" : "ip6tables-") + verb;
    }
}
