package org.jcalico.felix.dataplane.iptables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.kernel.KernelException;
import org.jcalico.util.Shown;

/**
 * Reads the jcalico-owned part out of iptables-save output: the jc- chains, and the tagged rules in built-in chains
 * with their positions. Other chains are skipped.
 */
public final class IptablesSaveParser {
    /**
     * What iptables-nft prints, exiting 0, instead of a table holding a rule it cannot express (another program's nft
     * rule: a connection-count limit, a set of its own): none of the table's chains, jcalico's included.
     */
    private static final Pattern INCOMPATIBLE = Pattern.compile("^# Table `(.*)' is incompatible, use 'nft' tool\\.$");

    private IptablesSaveParser() {
    }

    /**
     * @throws KernelException ({@link UnreadableTables}) when SAVE leaves a table out as incompatible: read as empty, it
     *                         would have the driver guard, hook and write over chains it cannot see (docs/dataplane.md,
     *                         "Session 55 (t-hunt)")
     */
    public static IptablesSnapshot parse(String save) {
        Map<String, TableState> tables = new LinkedHashMap<>();
        Set<String> incompatible = new TreeSet<>();
        String tableName = null;
        TableReader table = null;
        for (String line : save.split("\n")) {
            if (line.startsWith("#")) {
                Matcher leftOut = INCOMPATIBLE.matcher(line);
                if (leftOut.matches()) {
                    incompatible.add(leftOut.group(1));
                }
            } else if (line.startsWith("*")) {
                tableName = line.substring(1).strip();
                table = new TableReader();
            } else if (table == null) {
                continue;
            } else if (line.startsWith(":")) {
                table.declare(line.substring(1));
            } else if (line.startsWith("-A ")) {
                table.rule(line.substring(3));
            } else if (line.strip().equals("COMMIT")) {
                tables.put(tableName, table.state());
                table = null;
            }
        }
        IptablesSnapshot snapshot = new IptablesSnapshot(tables);
        if (!incompatible.isEmpty()) {
            // only a comment line can say it: rule lines are not matched
            throw new UnreadableTables((incompatible.size() == 1 ? "table " : "tables ")
                    + incompatible.stream().map(name -> "'" + Shown.value(name) + "'").collect(Collectors.joining(", "))
                    + " cannot be read back: " + (incompatible.size() == 1 ? "it holds" : "they hold")
                    + " rules iptables cannot express (another program's nft rules; 'nft list table' shows them), so"
                    + " jcalico cannot see its own chains there and writes none until they are gone", incompatible, snapshot);
        }
        return snapshot;
    }

    private static final class TableReader {
        private final Map<String, List<String>> chains = new LinkedHashMap<>();
        private final Set<String> builtins = new HashSet<>();
        private final Map<String, Integer> builtinRuleCounts = new HashMap<>();
        private final Map<String, List<TaggedRule>> hooks = new LinkedHashMap<>();

        /** ":NAME POLICY [packets:bytes]"; user chains have the policy "-". */
        void declare(String declaration) {
            String[] fields = declaration.split("\\s+");
            if (fields[0].startsWith(HostState.OWNED_PREFIX)) {
                chains.put(fields[0], new ArrayList<>());
            } else if (fields.length > 1 && !fields[1].equals("-")) {
                builtins.add(fields[0]);
            }
        }

        void rule(String chainAndSpec) {
            int space = chainAndSpec.indexOf(' ');
            String chain = space < 0 ? chainAndSpec : chainAndSpec.substring(0, space);
            String spec = space < 0 ? "" : chainAndSpec.substring(space + 1);
            List<String> owned = chains.get(chain);
            if (owned != null) {
                owned.add(RuleHash.identify(chain, spec));
            } else if (builtins.contains(chain)) {
                int position = builtinRuleCounts.merge(chain, 1, Integer::sum);
                String hash = RuleHash.find(spec);
                if (hash != null) {
                    hooks.computeIfAbsent(chain, c -> new ArrayList<>()).add(new TaggedRule(position, hash, spec));
                }
            }
        }

        TableState state() {
            return new TableState(chains, hooks);
        }
    }
}
