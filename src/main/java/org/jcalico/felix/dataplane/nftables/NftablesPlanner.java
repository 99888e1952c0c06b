package org.jcalico.felix.dataplane.nftables;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.dataplane.iptables.RuleHash;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.HostState;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.felix.hoststate.VerdictMap;
import org.jcalico.felix.render.ChainChanges;
import org.jcalico.felix.render.nftables.NftablesRenderer;
import org.jcalico.kernel.NfTables;
import org.jcalico.util.PersistentSortedMap;

/**
 * The nft script (one transaction for {@code nft -f -}) that takes jcalico's two tables, {@code ip jcalico} and
 * {@code ip6 jcalico}, from one state to another: the whole tables replaced (when what the kernel holds is not known,
 * or the hooks change), or only what differs (a changed chain flushed and its rules added again, set elements added
 * and deleted). Pure: the driver runs it.
 *
 * <p>A delta is two transactions when it loosens a set of one polarity ({@link SetPolarity}): the kernel flips a
 * transaction's generation while packets traverse the rules, and each set lookup reads the generation of its own
 * moment, so one packet can meet some of a transaction's sets before it and others after (docs/dataplane.md, "A
 * change and the states the kernel passes through"). What tightens goes in the first transaction with everything
 * else, what loosens (an ALLOWING set's adds, a DENYING set's deletes) in the second, so every mixture a packet can
 * meet is between the states before and after and allows nothing neither allows. A MIXED set's change has no such
 * order (its rules read it both ways): the addresses it moves are held first ({@link HostState#holdSet}, dropped ahead
 * of every policy unless established) in a transaction of their own, and released with the later one. A dispatch
 * element that moves to a chain the delta adds stays on its old chain through the first transaction and moves in one
 * between the two ({@link Plan#repoint}), so that its packets meet neither the map's drop nor the old chain over
 * loosened sets.
 */
final class NftablesPlanner {
    static final String TABLE = "jcalico";
    /** The table that holds jcalico's rules while its own is replaced whole ({@link #replace(Tables, Set)}). */
    static final String BRIDGE = "jcalico-bridge";
    /** How long a denied-flow rate bucket of an address outlives its last packet. */
    private static final String BUCKET_TIMEOUT = "1m";
    /** The set {@link #settle()} makes and deletes in one transaction: no rendered name starts so. */
    static final String SETTLE_SET = "jc-settle";

    private NftablesPlanner() {
    }

    /** What the kernel holds (as written): both families' chains and hooks, and the sets. */
    record Tables(IptablesState ipv4, IptablesState ipv6, Map<String, IpSetSpec> sets) {
        IptablesState family(int version) {
            return version == 4 ? ipv4 : ipv6;
        }
    }

    /**
     * MAKE: the bridge tables made with the replace's content, the transaction before a replace's; REMOVE: what deletes
     * them (and a bridge a crash left), the transaction after it, also when the replace was refused.
     */
    record Bridge(String make, String remove) {
        static final Bridge NONE = new Bridge("", "");
    }

    /**
     * @param bridge  when SCRIPT replaces tables the kernel holds, the transactions around it that make and delete the
     *                bridge tables ({@link #replace(Tables, Set)}); else {@link Bridge#NONE}
     * @param hold    the transaction before SCRIPT ("" for none): the addresses whose membership of a MIXED set
     *                changes, put in their family's hold set
     * @param script  the transaction
     * @param repoint the transaction between SCRIPT and LATER ("" for none): dispatch elements moved from the chain
     *                they went to, kept in force through SCRIPT, to a chain SCRIPT adds, each deleted and added again;
     *                then the deletions SCRIPT left for after them ({@link #delta})
     * @param later   the transaction after it, once it is in ("" for none): the loosening of one-polarity sets, and
     *                the new dispatch elements that send packets to chains SCRIPT adds
     * @param release what empties the hold sets HOLD filled ("" for none), written with LATER
     */
    record Plan(Bridge bridge, String hold, String script, String repoint, String later, String release,
                Changes changes) {
        boolean isEmpty() {
            return hold.isEmpty() && script.isEmpty() && repoint.isEmpty() && later.isEmpty() && release.isEmpty();
        }
    }

    /**
     * Both tables replaced whole, the deletes and adds one transaction; over tables the kernel holds (HELD, "FAMILY
     * NAME" as {@link org.jcalico.kernel.NfTables#tables} says), bridged. The kernel hooks a new base chain at once, before the old ones of
     * equal priority and with no rules in the old generation, and unhooks a deleted one after the commit, with none in
     * the new: a packet that met the new table's base chain before the commit and the old one's after it met no rule of
     * jcalico's (TableReplaceWindowKernelTest). So a transaction before it adds the bridge table ({@link #BRIDGE}) with
     * the same content, and the one after it deletes it: during the replace every packet
     * passes the bridge's rules, which neither transaction changes, and until it is gone the old rules' too (a packet
     * passes only what both allow).
     */
    static Plan replace(Tables desired, Set<String> held) {
        Script script = new Script();
        Script bridge = new Script();
        StringBuilder unbridge = new StringBuilder();
        for (int version : List.of(4, 6)) {
            fill(script, table(version), desired, version);
            if (held.contains(table(version))) {
                fill(bridge, bridgeTable(version), desired, version);
            }
            if (held.contains(table(version)) || held.contains(bridgeTable(version))) {
                // a bridge left by a crash between the two goes too
                unbridge.append("add table ").append(bridgeTable(version)).append('\n')
                        .append("delete table ").append(bridgeTable(version)).append('\n');
            }
        }
        Plan replace = script.plan();
        return new Plan(new Bridge(bridge.plan().script(), unbridge.toString()), replace.hold(), replace.script(),
                replace.repoint(), replace.later(), replace.release(), replace.changes());
    }

    /** The table of VERSION that stands in for jcalico's while it is replaced whole ({@link #replace(Tables, Set)}). */
    static String bridgeTable(int version) {
        return family(version) + " " + BRIDGE;
    }

    /** TABLE ("FAMILY NAME") made anew in SCRIPT, holding DESIRED's sets, chains and hooks of VERSION. */
    private static void fill(Script script, String table, Tables desired, int version) {
        script.line("add table " + table);
        script.line("delete table " + table);
        script.line("add table " + table);
        for (IpSetSpec set : sets(desired.sets(), version).values()) {
            script.addSet(table, set);
        }
        NftablesRenderer.RATE_BUCKETS.forEach(bucket -> script.line("add set " + table + " " + bucket + " { type "
                + NftablesRenderer.addressType(version) + "; size 65535; flags dynamic,timeout; timeout " + BUCKET_TIMEOUT + "; }"));
        IptablesState state = desired.family(version);
        List<Chain> chains = chains(state);
        chains.forEach(chain -> script.line("add chain " + table + " " + chain.name()));
        chains.forEach(chain -> chain.maps().forEach(map -> script.addMap(table, map)));
        chains.forEach(chain -> script.rules(table, chain.name(), chain.rules()));
        script.count(Change.CHAINS_WRITTEN, chains.size());
        state.maps().forEach(map -> script.addMap(table, map));
        script.hooks(table, state.hooks());
    }

    /**
     * Only what differs between what the kernel holds and the desired state, or null when that cannot be said
     * incrementally (the hooks, or a set's type, changed): then {@link #replace}. POLARITIES: how the rules in force
     * and the coming ones, joined, match each set; a set without one has all its changes in the first transaction.
     */
    static Plan delta(Tables held, Tables desired, Map<String, SetPolarity> polarities) {
        Script script = new Script();
        for (int version : List.of(4, 6)) {
            String table = table(version);
            IptablesState before = held.family(version);
            IptablesState after = desired.family(version);
            if (!before.hooks().equals(after.hooks()) || !mapTypes(before.maps()).equals(mapTypes(after.maps()))) {
                return null;
            }
            Map<String, IpSetSpec> oldSets = sets(held.sets(), version);
            Map<String, IpSetSpec> newSets = sets(desired.sets(), version);
            List<String> removedSets = new ArrayList<>();
            Map<String, SetKind> switched = new LinkedHashMap<>();
            for (IpSetSpec set : newSets.values()) {
                IpSetSpec old = oldSets.get(set.name());
                if (old == null) {
                    script.addSet(table, set);
                } else if (old.type() != set.type()) {
                    return null;
                } else if (old.members() != set.members()) {
                    SetKind kind = SetKind.of(set);
                    if (SetKind.of(old) == kind) {
                        script.changeElements(table, set, kind, old.members(), polarities.get(set.name()));
                    } else {
                        switched.put(set.name(), kind);
                    }
                }
            }
            oldSets.keySet().stream().filter(name -> !newSets.containsKey(name)).forEach(removedSets::add);

            Set<String> referring = referring(before, switched.keySet());
            Map<String, Chain> changed = new TreeMap<>();
            Set<String> removedChains = new TreeSet<>();
            changedChains(before, after, changed, removedChains);
            referring.forEach(name -> {
                Chain chain = chain(after, name);
                if (chain != null) {
                    changed.putIfAbsent(name, chain);
                }
            });
            Map<String, Chain> written = new TreeMap<>();
            Set<String> added = new HashSet<>();
            // what this transaction changes: a chain whose rules or maps change, or that refers to a switched set
            Set<String> touched = new HashSet<>(referring);
            List<MapChange> mapped = new ArrayList<>();
            List<String> removedMaps = new ArrayList<>();
            for (Chain chain : changed.values()) {
                Chain old = chain(before, chain.name());
                boolean refers = referring.contains(chain.name());
                if (old != null && !refers && (old == chain || old.equals(chain))) {
                    continue;
                }
                touched.add(chain.name());
                List<VerdictMap> was = old == null ? List.of() : old.maps();
                if (old == null) {
                    script.line("add chain " + table + " " + chain.name());
                    written.put(chain.name(), chain);
                    added.add(chain.name());
                } else if (refers || !sameButElements(old, chain)) {
                    script.line("flush chain " + table + " " + chain.name());
                    written.put(chain.name(), chain);
                }
                mapped.add(new MapChange(was, chain.maps()));
                was.stream().map(VerdictMap::name).filter(name -> mapNamed(chain.maps(), name) == null)
                        .forEach(removedMaps::add);
            }
            if (before.maps() != after.maps()) {
                // the hooks' maps (the same names and keys: the hooks are equal) change only by their elements
                mapped.add(new MapChange(before.maps(), after.maps()));
            }
            // after every chain is made: an element may send packets to a new one
            Set<String> kept = new HashSet<>();
            boolean repointed = false;
            for (MapChange change : mapped) {
                repointed |= script.changeMaps(table, change.was(), change.now(), added,
                        verdict -> keepable(before, verdict, touched, kept));
            }
            java.util.function.Consumer<String> removal = repointed ? script::afterRepoint : script::line;
            removedChains.stream().filter(name -> !kept.contains(name))
                    .forEach(name -> script.line("flush chain " + table + " " + name));
            removedChains.stream().filter(kept::contains).forEach(name -> removal.accept("flush chain " + table + " " + name));
            removedChains.forEach(name -> chain(before, name).maps().forEach(map -> removedMaps.add(map.name())));
            // no rule refers to a switched set any more: it is made again, of its new kind, before any rule is added
            switched.forEach((name, kind) -> script.switchKind(table, newSets.get(name), kind, oldSets.get(name).members(),
                    polarities.get(name)));
            written.forEach((name, chain) -> script.rules(table, name, chain.rules()));
            removedMaps.forEach(name -> removal.accept("delete map " + table + " " + name));
            removedChains.forEach(name -> removal.accept("delete chain " + table + " " + name));
            removedSets.forEach(name -> removal.accept("delete set " + table + " " + name));
            script.count(Change.CHAINS_WRITTEN, written.size());
            script.count(Change.CHAINS_DELETED, removedChains.size());
            script.count(Change.SETS_DELETED, removedSets.size() + removedMaps.size());
            String hold = HostState.holdSet(version);
            if (script.holds(version) && !(oldSets.containsKey(hold) && newSets.containsKey(hold))) {
                // no hold set in the kernel to hold a mixed change with (calc declares it): the tables are replaced
                return null;
            }
        }
        return script.plan();
    }

    /**
     * Into CHANGED, the chains of AFTER that BEFORE does not hold as the very same object (nor as an equal chain of the
     * same table), by name; into GONE, the names of BEFORE's chains that AFTER has in no table. Each table's chains
     * are compared with the same table's before by {@link ChainChanges}: calc hands an unchanged chain out again as
     * the same object, in a persistent map that shares what did not change, so an endpoint more costs its own chains,
     * not a sorted map of each state's thousands of chains by name, which was half of what planning it cost
     * (docs/dataplane.md, "The nftables dataplane"). A chain that moved to another table is changed there and not gone (nft has one namespace of chains
     * per table: the loop in {@link #delta} finds it equal and writes nothing).
     */
    private static void changedChains(IptablesState before, IptablesState after, Map<String, Chain> changed,
                                      Set<String> gone) {
        Set<String> tables = new TreeSet<>(before.tables().keySet());
        tables.addAll(after.tables().keySet());
        for (String table : tables) {
            ChainChanges.walk(after.chains(table), before.chains(table), changed::put, gone::add);
        }
        gone.removeIf(name -> chain(after, name) != null);
    }

    /** The chain of that name in any of the state's tables (calc's chain names are unique across them), or null. */
    private static Chain chain(IptablesState state, String name) {
        for (Map<String, Chain> chains : state.tables().values()) {
            Chain chain = chains.get(name);
            if (chain != null) {
                return chain;
            }
        }
        return null;
    }

    /**
     * Whether a dispatch element that sends packets by VERDICT (its chain or none) in BEFORE may stay so through the
     * first transaction, until the repoint transaction moves it to a chain that first transaction adds: so when no
     * chain it reaches is TOUCHED (changed by the first transaction), since then a packet that meets it meets the rules
     * that were in force, over sets that only tightened (docs/dataplane.md, "Session 59 (p-nft2)"). Else it is deleted
     * in the first transaction (its packets meet the map's drop until the later one). The chains it reaches go into
     * KEPT: those the change removes are deleted in the repoint transaction, after nothing points at them.
     */
    private static boolean keepable(IptablesState before, String verdict, Set<String> touched, Set<String> kept) {
        Set<String> reached = new HashSet<>();
        java.util.ArrayDeque<String> next = new java.util.ArrayDeque<>();
        targets(verdict, next);
        while (!next.isEmpty()) {
            String name = next.pop();
            Chain chain = chain(before, name);
            if (chain == null || !reached.add(name)) {
                continue;
            }
            if (touched.contains(name)) {
                return false;
            }
            chain.rules().forEach(rule -> targets(rule, next));
            chain.maps().forEach(map -> map.elements().values().forEach(to -> targets(to, next)));
        }
        kept.addAll(reached);
        return true;
    }

    /** Into INTO, the chains RULE (or a verdict) sends packets to: each word after a "jump" or "goto". */
    private static void targets(String rule, java.util.Collection<String> into) {
        String[] words = rule.split(" ");
        for (int at = 0; at + 1 < words.length; at++) {
            if (words[at].equals("jump") || words[at].equals("goto")) {
                into.add(words[at + 1]);
            }
        }
    }

    /** A changed chain's verdict maps, before and after. */
    private record MapChange(List<VerdictMap> was, List<VerdictMap> now) {
    }

    /** Whether the chains differ only in their maps' elements: then the maps change, and the rules stay. */
    private static boolean sameButElements(Chain old, Chain now) {
        if (!old.rules().equals(now.rules()) || old.maps().size() != now.maps().size()) {
            return false;
        }
        for (VerdictMap map : now.maps()) {
            VerdictMap was = mapNamed(old.maps(), map.name());
            if (was == null || !was.type().equals(map.type())) {
                return false;
            }
        }
        return true;
    }

    /** Each map's name and type, in order: a map's type changes only by deleting and making it again. */
    private static List<String> mapTypes(List<VerdictMap> maps) {
        return maps.stream().map(map -> map.name() + " " + map.type()).toList();
    }

    /** The map of that name among a chain's (a chain has one or two), or null. */
    private static VerdictMap mapNamed(List<VerdictMap> maps, String name) {
        for (VerdictMap map : maps) {
            if (map.name().equals(name)) {
                return map;
            }
        }
        return null;
    }

    /**
     * The chains whose rules name one of these sets: the kernel refuses to delete a set a rule refers to, so a set
     * that changes kind (which only deleting and adding it again can do) has these chains flushed first and their
     * rules added again after it, all in the same transaction, so no packet meets a chain without its rules.
     */
    private static Set<String> referring(IptablesState state, Set<String> sets) {
        Set<String> names = new HashSet<>();
        if (sets.isEmpty()) {
            return names;
        }
        for (Chain chain : chains(state)) {
            for (String rule : chain.rules()) {
                for (String set : sets) {
                    if (namesSet(rule, set)) {
                        names.add(chain.name());
                    }
                }
            }
        }
        return names;
    }

    /** Whether the rule matches against the set: "@NAME" followed by a space or the rule's end. */
    private static boolean namesSet(String rule, String set) {
        String reference = "@" + set;
        for (int at = rule.indexOf(reference); at >= 0; at = rule.indexOf(reference, at + 1)) {
            int end = at + reference.length();
            if (end == rule.length() || rule.charAt(end) == ' ') {
                return true;
            }
        }
        return false;
    }

    /**
     * What deletes those of jcalico's tables that are among {@code tables} ("FAMILY NAME", {@link org.jcalico.kernel.NfTables#tables});
     * empty when none is, so that no transaction is made for nothing (each one moves the ruleset's generation, which a
     * resync reads to tell whether anything changed the rules).
     */
    static String removeAll(Set<String> tables) {
        StringBuilder script = new StringBuilder();
        for (int version : List.of(4, 6)) {
            for (String table : List.of(table(version), bridgeTable(version))) {
                if (tables.contains(table)) {
                    // added first, so that one deleted meanwhile by someone else does not fail the transaction
                    script.append("add table ").append(table).append('\n');
                    script.append("delete table ").append(table).append('\n');
                }
            }
        }
        return script.toString();
    }

    /**
     * A transaction that leaves both tables as they were, run after a large one so that libnftables (1.0.6, the version
     * this was measured with) does at once what the next endpoint's add would otherwise do first: its cache holds every
     * table, chain, rule, set and element the large script added (a cold start's 8,000 rules and 26,000 elements at
     * 1,000 endpoints), and the next script, seeing the kernel's generation moved, frees all of it and lists the chains
     * and sets again. The library has no call to release its cache; a script without commands does not reach the
     * cache either, so the settling transaction is one whose commands need the cache an add needs: a set of its own
     * made, given an element and deleted again, in each family's table, all in one transaction (docs/dataplane.md,
     * "Session 39 (n-add): one endpoint added to 1,000").
     */
    static String settle() {
        Script script = new Script();
        for (int version : List.of(4, 6)) {
            String table = table(version);
            script.line("add set " + table + " " + SETTLE_SET + " { type " + NftablesRenderer.addressType(version) + "; }");
            script.line("add element " + table + " " + SETTLE_SET + " { " + (version == 4 ? "192.0.2.1" : "2001:db8::1") + " }");
            script.line("delete set " + table + " " + SETTLE_SET);
        }
        return script.plan().script();
    }

    /** The base chain that holds HOOK: one per hook point, named after iptables' table and built-in chain. */
    static String baseChain(Hook hook) {
        return hook.table() + "-" + hook.builtinChain();
    }

    static String table(int version) {
        return family(version) + " " + TABLE;
    }

    /** nf_tables' family of an IP version's table: jcalico keeps one table in each, never an inet one. */
    static String family(int version) {
        return version == 4 ? "ip" : "ip6";
    }

    /** Every table's chains: nft has no tables inside a table, and calc's chain names are unique across them. */
    private static List<Chain> chains(IptablesState state) {
        List<Chain> chains = new ArrayList<>();
        state.tables().values().forEach(table -> chains.addAll(table.values()));
        return chains;
    }

    /** The family's sets by name, in name order. */
    private static Map<String, IpSetSpec> sets(Map<String, IpSetSpec> sets, int version) {
        Map<String, IpSetSpec> family = new TreeMap<>();
        sets.forEach((name, set) -> {
            if (set.version() == version) {
                family.put(name, set);
            }
        });
        return family;
    }

    /** The script being written and what it changes. */
    private static final class Script {
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder later = new StringBuilder();
        private final StringBuilder repoint = new StringBuilder();
        /**
         * Counted here and made {@link Changes} once: a whole replace writes thousands of chains, and a Changes summed
         * per chain (maps copied each time) was a fifth of planning one before the JIT had compiled it.
         */
        private final EnumMap<Change, Integer> counts = new EnumMap<>(Change.class);
        /** The networks to hold while a MIXED set changes, by IP version. */
        private final TreeMap<Integer, Set<String>> held = new TreeMap<>();

        void count(Change kind, int count) {
            counts.merge(kind, count, Integer::sum);
        }

        void line(String line) {
            text.append(line).append('\n');
        }

        /** LINE into the repoint transaction, after the elements it moves. */
        void afterRepoint(String line) {
            repoint.append(line).append('\n');
        }

        /** A set made (of the kind its members call for, {@link SetKind}) and filled. */
        void addSet(String table, IpSetSpec set) {
            declare(table, set, SetKind.of(set));
        }

        /**
         * The set deleted and made again of its new kind with its members (no rule may refer to it here); what it
         * gains and loses held when POLARITY is MIXED.
         */
        void switchKind(String table, IpSetSpec set, SetKind kind, Set<String> held, SetPolarity polarity) {
            if (polarity == SetPolarity.MIXED) {
                Set<String> moved = new HashSet<>(set.members());
                moved.addAll(held);
                moved.removeIf(member -> held.contains(member) && set.members().contains(member));
                hold(set, moved);
            }
            line("delete set " + table + " " + set.name());
            declare(table, set, kind);
            count(Change.SET_MEMBERS_REMOVED, held.size());
        }

        private void declare(String table, IpSetSpec set, SetKind kind) {
            line("add set " + table + " " + set.name() + " { type " + kind.declaration(set.version()) + " }");
            count(Change.SETS_WRITTEN, 1);
            addElements(table, set, kind, set.members());
        }

        private void addElements(String table, IpSetSpec set, SetKind kind, Set<String> members) {
            elements("add", table, set, kind, members, text);
            count(Change.SET_MEMBERS_ADDED, members.size());
        }

        /**
         * Only the members added and removed, while the set holds single addresses (or address, protocol, port):
         * an interval set with networks has merged what overlapped, and deleting an address it merged would be
         * refused, so such a set is flushed and filled again (in the same transaction). POLARITY (null: none known)
         * puts what loosens in the later transaction (see the class comment).
         */
        void changeElements(String table, IpSetSpec set, SetKind kind, Set<String> held, SetPolarity polarity) {
            Set<String> added;
            Set<String> removed;
            if (set.members() instanceof MemberSet changed && changed.madeFrom(held)) {
                added = changed.added();
                removed = changed.removed();
            } else {
                added = new HashSet<>(set.members());
                added.removeAll(held);
                removed = new HashSet<>(held);
                removed.removeAll(set.members());
            }
            if (added.isEmpty() && removed.isEmpty()) {
                return;
            }
            if (polarity == SetPolarity.MIXED) {
                hold(set, added);
                hold(set, removed);
            }
            if (kind == SetKind.NETWORKS) {
                if (polarity == SetPolarity.ALLOWING || polarity == SetPolarity.DENYING) {
                    // first held narrowed to what stays (ALLOWING) or widened by what comes (DENYING), then the members
                    Set<String> first = new HashSet<>(held);
                    if (polarity == SetPolarity.ALLOWING) {
                        first.removeAll(removed);
                    } else {
                        first.addAll(added);
                    }
                    line("flush set " + table + " " + set.name());
                    elements("add", table, set, kind, first, text);
                    later.append("flush set ").append(table).append(' ').append(set.name()).append('\n');
                    elements("add", table, set, kind, set.members(), later);
                } else {
                    line("flush set " + table + " " + set.name());
                    elements("add", table, set, kind, set.members(), text);
                }
                count(Change.SET_MEMBERS_ADDED, set.members().size());
                count(Change.SET_MEMBERS_REMOVED, held.size());
                count(Change.SETS_WRITTEN, 1);
                return;
            }
            elements("delete", table, set, kind, removed, polarity == SetPolarity.DENYING ? later : text);
            elements("add", table, set, kind, added, polarity == SetPolarity.ALLOWING ? later : text);
            count(Change.SET_MEMBERS_ADDED, added.size());
            count(Change.SET_MEMBERS_REMOVED, removed.size());
        }

        /** MEMBERS of SET (ipset's forms), as networks of its family's hold set. */
        private void hold(IpSetSpec set, Set<String> members) {
            Set<String> networks = held.computeIfAbsent(set.version(), version -> new TreeSet<>());
            for (String member : members) {
                int comma = member.indexOf(',');
                networks.add(comma < 0 ? member : member.substring(0, comma) + (set.version() == 4 ? "/32" : "/128"));
            }
        }

        boolean holds(int version) {
            return held.containsKey(version);
        }

        /** VERB's line of MEMBERS into SCRIPT (the transaction or the later one). */
        private static void elements(String verb, String table, IpSetSpec set, SetKind kind, Set<String> members,
                                     StringBuilder script) {
            if (members.isEmpty()) {
                return;
            }
            StringBuilder line = new StringBuilder(verb).append(" element ").append(table).append(' ')
                    .append(set.name()).append(" { ");
            long[] codes = members instanceof MemberSet coded ? coded.codes() : null;
            if (codes != null) {
                for (int i = 0; i < codes.length; i++) {
                    line.append(i > 0 ? ", " : "").append(kind.element(codes[i]));
                }
            } else {
                boolean first = true;
                for (String member : members) {
                    if (!first) {
                        line.append(", ");
                    }
                    first = false;
                    line.append(kind.element(member));
                }
            }
            script.append(line).append(" }\n");
        }

        /** The rules as written (a verdict map's rule refers to its map, so its tag does not change with the map). */
        void rules(String table, String chain, List<String> rules) {
            for (String rule : rules) {
                line("add rule " + table + " " + chain + " " + rule + " comment \"jc:" + RuleHash.of(chain, rule) + "\"");
            }
            count(Change.RULES_INSERTED, rules.size());
        }

        /**
         * A map counts the packets of each element: with no endpoint chain on nftables (session 59) an endpoint's
         * element is where its packets are counted for {@code policy explain} (RuleCounters reads it as the
         * endpoint's chain).
         */
        void addMap(String table, VerdictMap map) {
            // the short way's maps count nothing: on it a packet of an established flow meets no counter (policy
            // explain reads the dispatch maps' elements, which a flow's first packets still pass)
            String counted = map.name().startsWith(EstablishedPath.MAPS) ? "" : " counter;";
            line("add map " + table + " " + map.name() + " { type " + map.type() + " : verdict;" + counted + " }");
            count(Change.SETS_WRITTEN, 1);
            List<String> elements = new ArrayList<>();
            map.elements().forEach((key, verdict) -> elements.add(key + " : " + verdict));
            mapElements("add", table, map.name(), elements);
        }

        /**
         * A chain's maps from what they held to what they hold: new maps made and filled, kept ones given only the
         * elements added and deleted (a key whose verdict changed is deleted and added again), found by the
         * difference of the two versions of calc's persistent map, which skips what they share: an endpoint more or
         * less is one element and the work of finding it, whatever the number of endpoints. A kept map's element that
         * sends packets to a chain of NEW_CHAINS (added by this delta) goes in the later transaction: a map is read at
         * the moment of its lookup, but a traversal reads every chain's rules as of its start, and a new chain had
         * none before the commit, so a packet that began before it and met the element after it would pass through
         * the chain as through an empty one (docs/dataplane.md, "A change and the states the kernel passes through").
         * A kept key whose element moves to such a chain from one KEEPABLE says may stay in force through this
         * transaction is moved in the repoint transaction instead, deleted and added again there, so that its
         * packets never meet the map's drop (docs/dataplane.md, "Session 59 (p-nft2)"). Returns whether one was.
         */
        boolean changeMaps(String table, List<VerdictMap> was, List<VerdictMap> now, Set<String> newChains,
                           java.util.function.Predicate<String> keepable) {
            boolean repointed = false;
            for (VerdictMap map : now) {
                VerdictMap old = mapNamed(was, map.name());
                if (old == null) {
                    addMap(table, map);
                    continue;
                }
                List<String> deleted = new ArrayList<>();
                List<String> added = new ArrayList<>();
                List<String> addedLater = new ArrayList<>();
                List<String> movedFrom = new ArrayList<>();
                List<String> movedTo = new ArrayList<>();
                PersistentSortedMap.diff(old.elements(), map.elements(), new PersistentSortedMap.Differences<>() {
                    @Override
                    public void changed(String key, String before, String after) {
                        if (after.equals(before)) {
                            return;
                        }
                        if (!newChains.contains(after.substring(after.indexOf(' ') + 1))) {
                            if (before != null) {
                                deleted.add(key);
                            }
                            added.add(key + " : " + after);
                        } else if (before == null) {
                            addedLater.add(key + " : " + after);
                        } else if (keepable.test(before)) {
                            movedFrom.add(key);
                            movedTo.add(key + " : " + after);
                        } else {
                            deleted.add(key);
                            addedLater.add(key + " : " + after);
                        }
                    }

                    @Override
                    public void gone(String key, String before) {
                        deleted.add(key);
                    }
                });
                mapElements("delete", table, map.name(), deleted);
                mapElements("add", table, map.name(), added);
                mapElements("delete", table, map.name(), movedFrom, repoint);
                mapElements("add", table, map.name(), movedTo, repoint);
                mapElements("add", table, map.name(), addedLater, later);
                repointed |= !movedTo.isEmpty();
            }
            return repointed;
        }

        private void mapElements(String verb, String table, String map, List<String> elements) {
            mapElements(verb, table, map, elements, text);
        }

        /** VERB's line of a map's ELEMENTS into SCRIPT (the transaction or the later one). */
        private void mapElements(String verb, String table, String map, List<String> elements, StringBuilder script) {
            if (elements.isEmpty()) {
                return;
            }
            script.append(verb).append(" element ").append(table).append(' ').append(map).append(" { ")
                    .append(String.join(", ", elements)).append(" }\n");
            count(verb.equals("add") ? Change.SET_MEMBERS_ADDED : Change.SET_MEMBERS_REMOVED, elements.size());
        }

        /**
         * One base chain per hook point, at the priority iptables' own tables use (filter 0, srcnat 100): a packet
         * passes every table's base chains, so jcalico's decides alongside others', never instead of them.
         */
        void hooks(String table, List<Hook> hooks) {
            Map<String, List<Hook>> byPoint = new TreeMap<>();
            hooks.forEach(hook -> byPoint.computeIfAbsent(baseChain(hook), k -> new ArrayList<>()).add(hook));
            byPoint.forEach((name, at) -> {
                Hook first = at.get(0);
                String kind = first.table().equals("nat") ? "nat" : "filter";
                String priority = first.table().equals("nat") ? "srcnat" : "filter";
                line("add chain " + table + " " + name + " { type " + kind + " hook "
                        + first.builtinChain().toLowerCase(java.util.Locale.ROOT) + " priority " + priority
                        + "; policy accept; }");
                at.forEach(hook -> line("add rule " + table + " " + name + " " + hook.rule()));
            });
            count(Change.HOOKS_WRITTEN, hooks.size());
        }

        Plan plan() {
            StringBuilder hold = new StringBuilder();
            StringBuilder release = new StringBuilder();
            held.forEach((version, networks) -> {
                String set = table(version) + " " + HostState.holdSet(version);
                hold.append("add element ").append(set).append(" { ").append(String.join(", ", networks)).append(" }\n");
                // the whole set: whatever it held is released, the networks auto-merge may have joined included
                release.append("flush set ").append(set).append('\n');
            });
            return new Plan(Bridge.NONE, hold.toString(), text.toString(), repoint.toString(), later.toString(),
                    release.toString(),
                    new Changes(counts, Map.of()));
        }
    }

    /** Whether calc handed out the very objects last written (remote churn leaves them): nothing to do. */
    static boolean sameObjects(Tables a, Tables b) {
        if (a.ipv4() != b.ipv4() || a.ipv6() != b.ipv6() || a.sets().size() != b.sets().size()) {
            return false;
        }
        for (Map.Entry<String, IpSetSpec> entry : b.sets().entrySet()) {
            if (a.sets().get(entry.getKey()) != entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
