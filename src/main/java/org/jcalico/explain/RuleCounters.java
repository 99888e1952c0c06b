package org.jcalico.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.HostState;

/**
 * The packet counters of jcalico's chains in one table, as {@code iptables-save -c} prints them ("[packets:bytes] -A
 * CHAIN spec"), and the difference between two readings: which rules counted packets in between.
 */
public record RuleCounters(Map<String, List<CountedRule>> chains) {
    private static final Pattern LINE = Pattern.compile("\\[(\\d+):\\d+] -A (\\S+)(?: (.*))?");

    /** One rule: its jcalico tag (null when jcalico did not write it), its text as saved, and its packet count. */
    public record CountedRule(String hash, String spec, long packets) {
    }

    public RuleCounters {
        Map<String, List<CountedRule>> copy = new LinkedHashMap<>();
        chains.forEach((chain, rules) -> copy.put(chain, List.copyOf(rules)));
        chains = java.util.Collections.unmodifiableMap(copy);
    }

    /** The jc- chains of the table (filter unless the output holds only another), in the order saved. */
    public static RuleCounters parse(String save, String table) {
        Map<String, List<CountedRule>> chains = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : save.split("\n")) {
            if (line.startsWith("*")) {
                inTable = line.substring(1).strip().equals(table);
            } else if (inTable && line.startsWith(":" + HostState.OWNED_PREFIX)) {
                chains.putIfAbsent(line.substring(1).split("\\s+")[0], new ArrayList<>());
            } else if (inTable) {
                Matcher matcher = LINE.matcher(line);
                if (matcher.matches() && matcher.group(2).startsWith(HostState.OWNED_PREFIX)) {
                    String spec = matcher.group(3) == null ? "" : matcher.group(3);
                    chains.computeIfAbsent(matcher.group(2), c -> new ArrayList<>())
                            .add(new CountedRule(RuleHash.find(spec), spec, Long.parseLong(matcher.group(1))));
                }
            }
        }
        return new RuleCounters(chains);
    }

    /**
     * What counted between {@code before} and this reading: each rule's packets minus those of the same rule (its
     * chain, and its tag or text, in order of occurrence) before; a rule that is new counts from zero.
     */
    public RuleCounters since(RuleCounters before) {
        Map<String, List<CountedRule>> delta = new LinkedHashMap<>();
        chains.forEach((chain, rules) -> {
            Map<String, List<Long>> earlier = new HashMap<>();
            for (CountedRule rule : before.chains().getOrDefault(chain, List.of())) {
                earlier.computeIfAbsent(identity(rule), k -> new ArrayList<>()).add(rule.packets());
            }
            Map<String, Integer> seen = new HashMap<>();
            List<CountedRule> counted = new ArrayList<>();
            for (CountedRule rule : rules) {
                int occurrence = seen.merge(identity(rule), 1, Integer::sum) - 1;
                List<Long> previous = earlier.getOrDefault(identity(rule), List.of());
                long was = occurrence < previous.size() ? previous.get(occurrence) : 0;
                counted.add(new CountedRule(rule.hash(), rule.spec(), Math.max(0, rule.packets() - was)));
            }
            delta.put(chain, counted);
        });
        return new RuleCounters(delta);
    }

    private static String identity(CountedRule rule) {
        return rule.hash() != null ? rule.hash() : "\n" + rule.spec();
    }
}
