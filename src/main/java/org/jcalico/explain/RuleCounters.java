package org.jcalico.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.HostState;

/**
 * The packet counters of jcalico's chains in one table, as {@code iptables-save -c} prints them ("[packets:bytes] -A
 * CHAIN spec") or as {@code nft list table} prints jcalico's nftables table (a {@code counter} in each rule policy
 * gave, a {@code jc:HASH} comment in every rule), and the difference between two readings: which rules counted
 * packets in between.
 */
public record RuleCounters(Map<String, List<CountedRule>> chains) {
    private static final Pattern LINE = Pattern.compile("\\[(\\d+):\\d+] -A (\\S+)(?: (.*))?");
    private static final Pattern IPTABLES_JUMP = Pattern.compile("(?:^|\\s)-[jg] (\\S+)");
    private static final Pattern NFT_CHAIN = Pattern.compile("chain (\\S+) \\{");
    private static final Pattern NFT_COUNTER = Pattern.compile("counter packets (\\d+) bytes \\d+ ");
    private static final Pattern NFT_COMMENT = Pattern.compile(" comment \"jc:([A-Za-z0-9_-]+)\"$");
    private static final Pattern NFT_JUMP = Pattern.compile("(?:^|\\s)(?:jump|goto) (\\S+)$");
    private static final Pattern NFT_END = Pattern.compile("(?:^|\\s)(accept|drop|reject)$");
    private static final Pattern NFT_MAP = Pattern.compile("map (\\S+) \\{");
    private static final Pattern NFT_ELEMENT = Pattern.compile(
            "\"([^\"]*)\"(?: \\. [^\\s,]+)* counter packets (\\d+) bytes \\d+ : (?:goto|jump) ([^\\s,}]+)");

    /**
     * One rule: its jcalico tag (null when jcalico did not write it), its text as read, its packet count, the chain
     * it jumps or goes to (or null) and how it ends a packet's way: ACCEPT, DROP, REJECT, or null when it does not.
     */
    public record CountedRule(String hash, String spec, long packets, String jump, String ends) {
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
                    chains.computeIfAbsent(matcher.group(2), c -> new ArrayList<>()).add(new CountedRule(RuleHash.identify(matcher.group(2), spec),
                            spec, Long.parseLong(matcher.group(1)), iptablesJump(spec), iptablesEnd(spec)));
                }
            }
        }
        return new RuleCounters(chains);
    }

    /**
     * jcalico's chains as {@code nft list table ip|ip6 jcalico} prints them; a rule without a counter counts 0. An
     * endpoint whose dispatch element goes straight to its shared chain (session 59: no chain of its own on nftables)
     * reads as its chain holding one {@code goto} to it that counted the element's packets (its addresses' elements
     * summed), so that the kernel's path starts at the endpoint's chain on both drivers.
     */
    public static RuleCounters parseNft(String listing) {
        Map<String, List<CountedRule>> chains = new LinkedHashMap<>();
        Map<String, Map<String, Long>> entered = new LinkedHashMap<>();
        String chain = null;
        String map = null;
        StringBuilder elements = new StringBuilder();
        for (String raw : listing.split("\n")) {
            String line = raw.strip();
            Matcher header = NFT_CHAIN.matcher(line);
            Matcher mapHeader = NFT_MAP.matcher(line);
            if (map != null && line.equals("}")) {
                enteredBy(map, elements, entered);
                map = null;
            } else if (map != null) {
                elements.append(line).append('\n');
            } else if (mapHeader.matches()) {
                map = mapHeader.group(1);
                elements.setLength(0);
            } else if (header.matches()) {
                chain = header.group(1);
                if (chain.startsWith(HostState.OWNED_PREFIX)) {
                    chains.put(chain, new ArrayList<>());
                }
            } else if (line.equals("}")) {
                chain = null;
            } else if (chain != null && chains.containsKey(chain) && !line.isEmpty()) {
                Matcher comment = NFT_COMMENT.matcher(line);
                String hash = comment.find() ? comment.group(1) : null;
                String rule = hash == null ? line : line.substring(0, comment.start());
                Matcher counter = NFT_COUNTER.matcher(rule);
                long packets = counter.find() ? Long.parseLong(counter.group(1)) : 0;
                String spec = counter.replaceFirst("counter ");
                Matcher jump = NFT_JUMP.matcher(spec);
                Matcher end = NFT_END.matcher(spec);
                chains.get(chain).add(new CountedRule(hash, spec, packets, jump.find() ? jump.group(1) : null,
                        end.find() ? end.group(1).toUpperCase(java.util.Locale.ROOT) : null));
            }
        }
        entered.forEach((name, targets) -> {
            if (!chains.containsKey(name)) {
                List<CountedRule> rules = new ArrayList<>();
                targets.forEach((target, packets) -> rules.add(new CountedRule(null, "goto " + target, packets, target, null)));
                chains.put(name, rules);
            }
        });
        return new RuleCounters(chains);
    }

    /** A dispatch map's counted elements into ENTERED: the endpoint chain each interface stands for, its targets' packets. */
    private static void enteredBy(String map, CharSequence elements, Map<String, Map<String, Long>> entered) {
        boolean from = map.startsWith(DataplaneNames.FROM_DISPATCH + "-");
        if (!from && !map.startsWith(DataplaneNames.TO_DISPATCH + "-")) {
            return;
        }
        Matcher element = NFT_ELEMENT.matcher(elements);
        while (element.find()) {
            String name = from ? DataplaneNames.fromEndpoint(element.group(1)) : DataplaneNames.toEndpoint(element.group(1));
            if (!element.group(3).equals(name)) {
                entered.computeIfAbsent(name, key -> new LinkedHashMap<>())
                        .merge(element.group(3), Long.parseLong(element.group(2)), Long::sum);
            }
        }
    }

    private static String iptablesJump(String spec) {
        Matcher jump = IPTABLES_JUMP.matcher(spec);
        return jump.find() ? jump.group(1) : null;
    }

    /** ACCEPT, DROP or REJECT when the rule ends a packet's way, else null. */
    private static String iptablesEnd(String spec) {
        Matcher jump = IPTABLES_JUMP.matcher(spec);
        while (jump.find()) {
            String target = jump.group(1);
            if (target.equals("ACCEPT") || target.equals("DROP") || target.equals("REJECT")) {
                return target;
            }
        }
        return null;
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
                counted.add(new CountedRule(rule.hash(), rule.spec(), Math.max(0, rule.packets() - was), rule.jump(),
                        rule.ends()));
            }
            delta.put(chain, counted);
        });
        return new RuleCounters(delta);
    }

    private static String identity(CountedRule rule) {
        return rule.hash() != null ? rule.hash() : "\n" + rule.spec();
    }
}
