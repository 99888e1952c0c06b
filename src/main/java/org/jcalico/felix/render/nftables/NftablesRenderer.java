package org.jcalico.felix.render.nftables;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.calc.DataplaneNames;
import org.jcalico.felix.hoststate.Chain;
import org.jcalico.felix.hoststate.Hook;
import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.felix.hoststate.VerdictMap;
import org.jcalico.felix.program.Criterion;
import org.jcalico.felix.program.DropLog;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.felix.program.ProgramTables;
import org.jcalico.felix.program.Renderer;
import org.jcalico.felix.program.Side;
import org.jcalico.felix.program.Verdict;
import org.jcalico.felix.render.ChainChanges;
import org.jcalico.felix.render.RuleSyntax;
import org.jcalico.model.DataplaneDriver;
import org.jcalico.model.IcmpMatch;
import org.jcalico.model.PortRange;
import org.jcalico.model.Protocol;
import org.jcalico.util.Memo;
import org.jcalico.util.PersistentSortedMap;

/**
 * The neutral model in nft syntax, one nft rule per neutral rule (each keeping its origin), for the nftables driver
 * (docs/dataplane.md, "The nftables dataplane"). The chains keep calc's names and tables; the driver puts each
 * family's chains into its own nft table. One thing is shaped differently: each dispatch tree (the chains that send a
 * packet to its endpoint's chain by interface name) becomes one verdict map in its root chain, keyed by interface
 * name (and, from endpoints, source address: the anti-spoofing check), so a packet finds its endpoint's chain in
 * one hash lookup; the tree's inner chains are not rendered. Calc hands out the same chain objects while they do not
 * change, so each family's rendered chains are remembered by object, as the iptables renderer does.
 */
public final class NftablesRenderer implements Renderer {
    /** The rate buckets the driver declares as dynamic sets in each family's table. */
    public static final Set<String> RATE_BUCKETS = Set.of(DropLog.INBOUND_BUCKET, DropLog.OUTBOUND_BUCKET);
    /**
     * A rule that policy gave (any origin but jcalico's structure) counts the packets it takes, which is what
     * {@code policy explain} reads; structural rules (dispatch, the established accept every packet of a known flow
     * meets first) count nothing, so the per-packet path of established traffic carries no counter.
     */
    private static final RuleSyntax SYNTAX = new RuleSyntax(NftablesRenderer::criterion,
            (ProgramRule rule) -> (rule.origin() instanceof Origin.Structural ? "" : "counter ") + verdict(rule.verdict()));
    /** Per family (index 0 IPv4, 1 IPv6): the tables rendered last and what they were rendered to. */
    private final ProgramTables[] lastTables = new ProgramTables[2];
    private final IptablesState[] lastStates = new IptablesState[2];
    /**
     * Each dispatch chain's share of its tree's maps, by chain object, per family and tree: an endpoint more changes one
     * inner chain. A tree's memo starts a round only when the tree is made again, so the other tree's parts are kept.
     */
    private final Map<String, Memo<ProgramChain, Part>> parts = new HashMap<>();
    /** Each dispatch tree's maps as rendered last, per family, table and tree. */
    private final Map<String, Flat> flats = new HashMap<>();
    private static final List<String> DISPATCH_ROOTS = List.of(DataplaneNames.FROM_DISPATCH, DataplaneNames.TO_DISPATCH);
    private static final String FROM_ENDPOINT = DataplaneNames.fromEndpoint("");
    private static final String TO_ENDPOINT = DataplaneNames.toEndpoint("");

    @Override
    public DataplaneDriver driver() {
        return DataplaneDriver.NFTABLES;
    }

    /**
     * Each family's rendering is the last one with only what differs from the last tables rendered again, as the
     * iptables renderer does: the chains are walked side by side with the last tables in name order (a kept chain is
     * the same object), a chain made again equal to the one before keeps its rendered object, and a dispatch tree's
     * verdict maps change only when a chain of that tree came, went or changed, by that chain's elements (session 38) (since session 36 the walk is a
     * difference of persistent maps, ChainChanges, and the result shares the last one's chains). Before session 35 every chain of
     * both families was looked up and put into a new map, sorted again by insertion into the state's tree map, on
     * every change: 60 % of an arrival's calc at 1,000 endpoints, 5.4 against 2.4 ms of CPU on iptables
     * (docs/dataplane.md, "One endpoint added to 1,000, session 35").
     */
    @Override
    public IptablesState render(ProgramTables tables) {
        int family = tables.version() == 4 ? 0 : 1;
        ProgramTables before = lastTables[family];
        IptablesState renderedBefore = lastStates[family];
        Map<String, Map<String, Chain>> rendered = new LinkedHashMap<>();
        tables.tables().forEach((table, chains) -> rendered.put(table, render(table, PersistentSortedMap.copyOf(chains),
                before == null ? Map.of() : before.tables().getOrDefault(table, Map.of()),
                renderedBefore == null ? Map.of() : renderedBefore.chains(table), tables.version())));
        List<Hook> hooks = tables.hooks().stream()
                .map(hook -> new Hook(hook.table(), hook.builtinChain(), "jump " + hook.chain())).toList();
        IptablesState state = new IptablesState(tables.version(), rendered, hooks);
        lastTables[family] = tables;
        lastStates[family] = state;
        return state;
    }

    /** One table: the last rendering with what differs rendered again (sharing the rest: ChainChanges). */
    private Map<String, Chain> render(String table, PersistentSortedMap<String, ProgramChain> chains,
                                      Map<String, ProgramChain> before, Map<String, Chain> renderedBefore, int version) {
        PersistentSortedMap.Editor<String, Chain> out = PersistentSortedMap.copyOf(renderedBefore).editor();
        Map<String, List<String>> treesChanged = new LinkedHashMap<>();
        List<String> retargeted = new ArrayList<>();
        ChainChanges.walk(chains, before, (name, chain) -> {
            String root = rootOf(name);
            if (root != null) {
                treesChanged.computeIfAbsent(root, key -> new ArrayList<>()).add(name);
            } else if (entered(chain) != null) {
                out.remove(name);
                retarget(name, before, retargeted, treesChanged);
            } else {
                out.put(name, chain(chain, version));
                retarget(name, before, retargeted, treesChanged);
            }
        }, name -> gone(name, out, treesChanged));
        treesChanged.forEach((root, names) -> tree(table, root, names, retargeted, chains, before, renderedBefore, out,
                version));
        return out.map();
    }

    /**
     * The shared chain an endpoint's chain only enters ({@code EndpointChains.entering}: one jump, origin SharedEntry),
     * or null for any other chain. Such a chain is not rendered: the dispatch elements that would go to it go to the
     * shared chain itself (session 59, p-nft). Its return and the shared chain's are the same (the dispatch is reached
     * by a jump, and its element's goto replaces the endpoint chain's frame by the shared chain's), an accept or drop
     * in the shared chain ends the hook either way, and its counter, which {@code policy explain} reads, is the
     * element's ({@code counter} in each map). What it saves: libnftables lists every chain of the namespace before
     * every transaction, and at 1,000 endpoints 4,000 of a namespace's 4,030 chains were these (docs/dataplane.md,
     * "Session 59 (p-nft)").
     */
    static String entered(ProgramChain chain) {
        if (chain == null || chain.rules().size() != 1) {
            return null;
        }
        ProgramRule rule = chain.rules().get(0);
        return rule.origin() instanceof Origin.SharedEntry && rule.match().criteria().isEmpty()
                && rule.verdict() instanceof Verdict.Jump jump ? jump.chain() : null;
    }

    /**
     * An element's verdict as the kernel gets it: a goto to an endpoint's chain that only enters its shared chain is a
     * goto to that shared chain.
     */
    private static String resolved(String target, Map<String, ProgramChain> chains) {
        if (!target.startsWith("goto ")) {
            return target;
        }
        String shared = entered(chains.get(target.substring("goto ".length())));
        return shared == null ? target : "goto " + shared;
    }

    /**
     * An endpoint's chain NAME that was there before and changed (its shared chain, or from entering to a body of its
     * own or back) without its dispatch chains changing: its tree's elements are resolved again ({@link #changedMaps}).
     */
    private static void retarget(String name, Map<String, ProgramChain> before, List<String> retargeted,
                                 Map<String, List<String>> treesChanged) {
        String root = name.startsWith(FROM_ENDPOINT) ? DataplaneNames.FROM_DISPATCH
                : name.startsWith(TO_ENDPOINT) ? DataplaneNames.TO_DISPATCH : null;
        if (root != null && before.containsKey(name)) {
            retargeted.add(name);
            treesChanged.computeIfAbsent(root, key -> new ArrayList<>());
        }
    }

    /** A chain the last tables had and these have not: out of the rendering, or its tree made again. */
    private static void gone(String name, PersistentSortedMap.Editor<String, Chain> out,
                             Map<String, List<String>> treesChanged) {
        String root = rootOf(name);
        if (root != null) {
            treesChanged.computeIfAbsent(root, key -> new ArrayList<>()).add(name);
        } else {
            out.remove(name);
        }
    }

    /** The dispatch tree NAME belongs to by its name (its root, or a chain under it), or null. */
    private static String rootOf(String name) {
        for (String root : DISPATCH_ROOTS) {
            if (name.startsWith(root) && (name.length() == root.length() || name.charAt(root.length()) == '-')) {
                return root;
            }
        }
        return null;
    }

    /**
     * Makes ROOT's part of OUT again, CHANGED being the tree's chains that came, went or changed: its verdict maps
     * changed by those chains' elements when the tree was one before and they changed only elements
     * ({@link #changedMaps}), else its verdict maps when the tree has the shape for them (its inner chains then not
     * rendered), and every chain of the tree's names that the maps do not take, rendered chain by chain (reused from the
     * last rendering when it is the same chain object).
     */
    private void tree(String table, String root, List<String> changed, List<String> retargeted,
                      PersistentSortedMap<String, ProgramChain> chains,
                      Map<String, ProgramChain> before, Map<String, Chain> renderedBefore,
                      PersistentSortedMap.Editor<String, Chain> out, int version) {
        String key = version + " " + table + " " + root;
        Flat last = flats.get(key);
        // the maps rendered last are those of the tables these differ from only while they rendered that root
        Flat next = last != null && renderedBefore.get(root) == last.chain()
                ? changedMaps(last, root, changed, retargeted, chains, before, version) : null;
        if (next != null) {
            out.put(root, next.chain());
            flats.put(key, next);
            return;
        }
        String end = root + (char) ('-' + 1);
        List<String> rendered = new ArrayList<>();
        out.map().forEachBetween(root, end, (name, chain) -> {
            if (rootOf(name) != null) {
                rendered.add(name);
            }
        });
        rendered.forEach(out::remove);
        Memo<ProgramChain, Part> memo = parts.computeIfAbsent(key, k -> Memo.byIdentity(chain -> part(chain, version)));
        memo.nextRound();
        Flat flat = chains.containsKey(root) ? dispatchMap(root, chains, memo, version) : null;
        if (flat != null) {
            out.put(root, flat.chain());
            flats.put(key, flat);
        } else {
            flats.remove(key);
        }
        chains.forEachBetween(root, end, (name, chain) -> {
            if (rootOf(name) != null && !(flat != null && (flat.absorbed().containsKey(name) || name.equals(root)))) {
                Chain kept = before.get(name) == chain ? renderedBefore.get(name) : null;
                out.put(name, kept != null ? kept : chain(chain, version));
            }
        });
    }

    public static Chain chain(ProgramChain chain, int version) {
        return SYNTAX.chain(chain, version);
    }

    public static String rule(ProgramRule rule, int version) {
        return SYNTAX.rule(rule, version);
    }

    /**
     * A dispatch tree rendered as verdict maps: its root's chain, the maps' elements (with the source address, and by
     * interface name alone), the rules kept beside them (a source net wider than one address) and the tree's inner
     * chains the maps took in.
     */
    private record Flat(Chain chain, PersistentSortedMap<String, String> byNameAndSource,
                        PersistentSortedMap<String, String> byName, List<String> wide,
                        PersistentSortedMap<String, Object> absorbed) {
    }

    /**
     * LAST's maps with the elements of the CHANGED chains' old rules taken out and those of their new rules put in,
     * when the tree's shape changed by whole branches at most: an endpoint added changes its leaf's elements, so the
     * maps change by its own, not the tree's thousand (until session 38 every add collected the whole tree into a rule
     * of every element, and the driver read it back); one that opens a leaf brings the leaf's chain and one jump to it
     * in its parent (and the parent with a jump in the root when the parent came too), which changes the maps by the
     * leaf's elements as well (session 41; until then it collected the tree whole: `bench felix`'s add #18). A chain
     * kept in the tree must have the same inner chains and wide rules in the same order but for jumps to chains that
     * came or went; a chain that came or went, nothing but elements and jumps to others that came or went, each
     * reached from the tree once (so the wide rules, in tree order, are the same). Null otherwise (a chain that came
     * outside the tree or is jumped to twice, a key met twice, another rule's shape): then the tree is collected
     * whole. An interface's elements are in the one leaf its name picks, so an element taken out is no other chain's.
     */
    private static Flat changedMaps(Flat last, String root, List<String> changed, List<String> retargeted,
                                    Map<String, ProgramChain> chains, Map<String, ProgramChain> before, int version) {
        Set<String> came = new HashSet<>();
        Set<String> went = new HashSet<>();
        for (String name : changed) {
            boolean was = before.containsKey(name);
            boolean is = chains.containsKey(name);
            if (name.equals(root) ? !(was && is) : was && !last.absorbed().containsKey(name)) {
                return null;
            }
            if (!was) {
                came.add(name);
            } else if (!is) {
                went.add(name);
            }
        }
        List<Part> gone = new ArrayList<>();
        List<Part> now = new ArrayList<>();
        int jumpsToWent = 0;
        Map<String, String> cameFrom = new HashMap<>();
        for (String name : changed) {
            Part old = came.contains(name) ? null : part(before.get(name), version);
            Part next = went.contains(name) ? null : part(chains.get(name), version);
            if (old == Part.OTHER || next == Part.OTHER || !(old == null ? List.of() : old.shapeBut(went))
                    .equals(next == null ? List.of() : next.shapeBut(came))) {
                return null;
            }
            if (old != null) {
                gone.add(old);
                jumpsToWent += old.innerAmong(went).size();
            }
            if (next != null) {
                now.add(next);
                for (String inner : next.innerAmong(came)) {
                    if (cameFrom.put(inner, name) != null) {
                        return null;
                    }
                }
            }
        }
        // each chain that went was jumped to from a changed chain only (jumps from the rest would now lead nowhere), and
        // each that came is jumped to once, from a chain that leads up to one kept in the tree
        if (jumpsToWent != went.size() || cameFrom.size() != came.size() || !came.stream().allMatch(name -> reached(name, cameFrom, came))) {
            return null;
        }
        PersistentSortedMap.Editor<String, String> byNameAndSource = last.byNameAndSource().editor();
        PersistentSortedMap.Editor<String, String> byName = last.byName().editor();
        for (Part part : gone) {
            for (Item.Element element : part.elements()) {
                PersistentSortedMap.Editor<String, String> map = element.withSource() ? byNameAndSource : byName;
                if (!resolved(element.target(), before).equals(map.map().get(element.key()))) {
                    return null;
                }
                map.remove(element.key());
            }
        }
        for (Part part : now) {
            for (Item.Element element : part.elements()) {
                PersistentSortedMap.Editor<String, String> map = element.withSource() ? byNameAndSource : byName;
                if (map.map().containsKey(element.key())) {
                    return null;
                }
                map.put(element.key(), resolved(element.target(), chains));
            }
        }
        for (String name : retargeted) {
            if (name.startsWith(root.equals(DataplaneNames.FROM_DISPATCH) ? FROM_ENDPOINT : TO_ENDPOINT)) {
                retarget(name, byNameAndSource, before, chains);
                retarget(name, byName, before, chains);
            }
        }
        PersistentSortedMap.Editor<String, Object> absorbed = last.absorbed().editor();
        went.forEach(absorbed::remove);
        came.forEach(name -> absorbed.put(name, Boolean.TRUE));
        return flat(root, chains.get(root), version, last.wide(), byNameAndSource.map(), byName.map(), absorbed.map());
    }

    /**
     * The elements of the endpoint's chain NAME's interface that went to where that chain led before go where it leads
     * now. An interface's elements are the keys that begin with its quoted name, and its dispatch leaf sends them to
     * its own chain only (calc's LocalEndpoint), so this touches that endpoint's elements alone.
     */
    private static void retarget(String name, PersistentSortedMap.Editor<String, String> map,
                                 Map<String, ProgramChain> before, Map<String, ProgramChain> chains) {
        String logical = "goto " + name;
        String was = resolved(logical, before);
        String now = resolved(logical, chains);
        if (was.equals(now)) {
            return;
        }
        String first = quoted(name.substring(FROM_ENDPOINT.length()));
        List<String> keys = new ArrayList<>();
        map.map().forEachBetween(first, first + '!', (key, target) -> {
            if (target.equals(was)) {
                keys.add(key);
            }
        });
        keys.forEach(key -> map.put(key, now));
    }

    /** Whether the chain NAME that came is reached from a chain that did not come, through chains that came. */
    private static boolean reached(String name, Map<String, String> cameFrom, Set<String> came) {
        String at = name;
        for (int steps = 0; steps <= came.size(); steps++) {
            at = cameFrom.get(at);
            if (!came.contains(at)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The dispatch tree under {@code root} as verdict maps: every rule of the tree that sends one interface (and,
     * optionally, one source address) to a chain is an element; a source net wider than one address stays a rule of
     * its own (a map of intervals would refuse it overlapping an endpoint's address). Null when the tree holds a rule
     * of another shape: then it is rendered chain by chain.
     */
    private static Flat dispatchMap(String root, Map<String, ProgramChain> chains, Memo<ProgramChain, Part> parts,
                                    int version) {
        Map<String, String> byName = new LinkedHashMap<>();
        Map<String, String> byNameAndSource = new LinkedHashMap<>();
        List<String> wide = new ArrayList<>();
        Set<String> visited = new HashSet<>();
        if (!collect(root, root, chains, parts, byName, byNameAndSource, wide, visited)) {
            return null;
        }
        visited.remove(root);
        return flat(root, chains.get(root), version, List.copyOf(wide), PersistentSortedMap.copyOf(byNameAndSource),
                PersistentSortedMap.copyOf(byName), PersistentSortedMap.byHashOf(visited));
    }

    /** The root's chain of these maps and wide rules: the wide rules, a rule looking up each map that has elements, drop. */
    private static Flat flat(String root, ProgramChain rootChain, int version, List<String> wide,
                             PersistentSortedMap<String, String> byNameAndSource, PersistentSortedMap<String, String> byName,
                             PersistentSortedMap<String, Object> absorbed) {
        List<String> rules = new ArrayList<>(wide);
        List<VerdictMap> maps = new ArrayList<>();
        if (!byNameAndSource.isEmpty()) {
            String key = "iifname . " + family(version) + " saddr";
            maps.add(new VerdictMap(mapName(root, key), key, "ifname . " + addressType(version), byNameAndSource));
        }
        if (!byName.isEmpty()) {
            Side side = rootChain.rules().stream()
                    .flatMap(rule -> rule.match().criteria().stream())
                    .filter(Criterion.InterfaceIs.class::isInstance).map(c -> ((Criterion.InterfaceIs) c).side())
                    .findFirst().orElse(Side.SOURCE);
            maps.add(new VerdictMap(mapName(root, name(side)), name(side), "ifname", byName));
        }
        maps.forEach(map -> rules.add(map.rule()));
        rules.add("drop");
        return new Flat(new Chain(root, rules, null, maps), byNameAndSource, byName, wide, absorbed);
    }

    /** A map's name: its chain's and its key's ("iifname . ip saddr": "CHAIN-iifname-ip-saddr"). */
    private static String mapName(String chain, String key) {
        return chain + "-" + key.replace(" . ", "-").replace(' ', '-');
    }

    /** The nft type of an address of the family. */
    public static String addressType(int version) {
        return version == 4 ? "ipv4_addr" : "ipv6_addr";
    }


    /** The tree from NAME down, each chain's part as remembered; false when a chain is not of the tree's shape. */
    private static boolean collect(String root, String name, Map<String, ProgramChain> chains, Memo<ProgramChain, Part> parts,
                                   Map<String, String> byName, Map<String, String> byNameAndSource, List<String> wide,
                                   Set<String> visited) {
        visited.add(name);
        Part part = parts.get(chains.get(name));
        if (part == Part.OTHER) {
            return false;
        }
        for (Item item : part.items()) {
            switch (item) {
                case Item.Element e -> (e.withSource() ? byNameAndSource : byName).putIfAbsent(e.key(),
                        resolved(e.target(), chains));
                case Item.Wide w -> wide.add(w.rule());
                case Item.Inner i -> {
                    if (!i.chain().startsWith(root + "-") || !chains.containsKey(i.chain()) || visited.contains(i.chain())
                            || !collect(root, i.chain(), chains, parts, byName, byNameAndSource, wide, visited)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** What one chain of a dispatch tree gives its tree's maps, in its rules' order; {@link #OTHER}: not a dispatch chain. */
    private record Part(List<Item> items) {
        static final Part OTHER = new Part(List.of());

        List<Item.Element> elements() {
            return items.stream().filter(Item.Element.class::isInstance).map(Item.Element.class::cast).toList();
        }

        /** Everything but the elements and the jumps to the chains SKIPPED: the inner chains and the wide rules, in order. */
        List<Item> shapeBut(Set<String> skipped) {
            return items.stream()
                    .filter(item -> !(item instanceof Item.Element || item instanceof Item.Inner i && skipped.contains(i.chain())))
                    .toList();
        }

        /** The inner chains among NAMES that this one jumps to. */
        List<String> innerAmong(Set<String> names) {
            return items.stream().filter(item -> item instanceof Item.Inner i && names.contains(i.chain()))
                    .map(item -> ((Item.Inner) item).chain()).toList();
        }
    }

    /** An element (interface, or interface and source address, to a chain), a rule kept, or an inner chain to descend. */
    private sealed interface Item {
        record Element(boolean withSource, String key, String target) implements Item {
        }

        record Wide(String rule) implements Item {
        }

        record Inner(String chain) implements Item {
        }
    }

    private static Part part(ProgramChain chain, int version) {
        List<Item> items = new ArrayList<>();
        for (ProgramRule rule : chain.rules()) {
            List<Criterion> criteria = rule.match().criteria();
            String target = switch (rule.verdict()) {
                case Verdict.Goto g -> "goto " + g.chain();
                case Verdict.Jump j -> "jump " + j.chain();
                default -> null;
            };
            if (criteria.isEmpty() && rule.verdict() instanceof Verdict.Drop) {
                continue;
            }
            if (target == null || criteria.isEmpty() || !(criteria.get(0) instanceof Criterion.InterfaceIs iface)
                    || iface.negated()) {
                return Part.OTHER;
            }
            boolean wildcard = iface.name().endsWith("+");
            if (criteria.size() == 1 && wildcard && rule.verdict() instanceof Verdict.Goto g) {
                items.add(new Item.Inner(g.chain()));
            } else if (criteria.size() == 1 && !wildcard) {
                items.add(new Item.Element(false, quoted(iface.name()), target));
            } else if (criteria.size() == 2 && !wildcard && criteria.get(1) instanceof Criterion.NetIs net
                    && net.side() == Side.SOURCE && !net.negated()) {
                items.add(net.net().isHost()
                        ? new Item.Element(true, quoted(iface.name()) + " . " + net.net().network(), target)
                        : new Item.Wide(rule(rule, version)));
            } else {
                return Part.OTHER;
            }
        }
        return new Part(List.copyOf(items));
    }

    private static String criterion(Criterion criterion, int version) {
        return switch (criterion) {
            case Criterion.ProtocolIs p -> protocol(p.protocol(), p.negated());
            case Criterion.NetIs n -> family(version) + (n.side() == Side.SOURCE ? " saddr " : " daddr ")
                    + not(n.negated()) + n.net();
            case Criterion.InSet s -> {
                String side = s.side() == Side.SOURCE ? "saddr" : "daddr";
                String port = s.side() == Side.SOURCE ? "sport" : "dport";
                yield family(version) + " " + side + (s.withPort() ? " . meta l4proto . th " + port : "") + " "
                        + not(s.negated()) + "@" + s.set();
            }
            case Criterion.PortsIn p -> "th " + (p.side() == Side.SOURCE ? "sport " : "dport ") + not(p.negated())
                    + ports(p.ranges());
            case Criterion.IcmpIs i -> icmp(i.icmp(), i.negated(), version == 4 ? "icmp" : "icmpv6");
            case Criterion.MarkIs m -> "meta mark & " + hex(m.mask()) + " == " + hex(m.value());
            case Criterion.InterfaceIs i -> name(i.side()) + " " + not(i.negated()) + quoted(i.name());
            // a list of ct_state bits is one bitwise test; "{ a, b }" would be an anonymous set in the kernel for
            // every rule (two in each endpoint chain), each listed by libnftables' cache in every transaction
            case Criterion.ConntrackState c -> "ct state " + String.join(",",
                    c.states().stream().map(state -> state.toLowerCase(java.util.Locale.ROOT)).toList());
            case Criterion.ConntrackReply c -> "ct direction reply";
            case Criterion.SentByNonRoot s -> "meta skuid 1-4294967294";
            case Criterion.SourceIsLocal l -> "fib saddr type " + not(l.negated()) + "local";
            case Criterion.RateLimit r -> {
                if (!RATE_BUCKETS.contains(r.bucket())) {
                    throw new IllegalArgumentException("rate bucket " + r.bucket() + " is not one the nftables driver declares");
                }
                yield "update @" + r.bucket() + " { " + family(version) + (r.keyedBy() == Side.SOURCE ? " saddr" : " daddr")
                        + " limit rate " + r.perSecond() + "/second burst " + r.burst() + " packets }";
            }
        };
    }

    private static String verdict(Verdict verdict) {
        return switch (verdict) {
            case Verdict.Accept a -> "accept";
            case Verdict.Drop d -> "drop";
            case Verdict.Return r -> "return";
            case Verdict.Jump j -> "jump " + j.chain();
            case Verdict.Goto g -> "goto " + g.chain();
            case Verdict.SetMark s -> "meta mark set meta mark | " + hex(s.bits());
            case Verdict.ClearMark c -> "meta mark set meta mark & " + hex(~c.bits());
            case Verdict.Log l -> "log prefix \"" + l.prefix() + "\" group " + l.group();
            case Verdict.Masquerade m -> "masquerade";
        };
    }

    /**
     * iptables reads protocol 0 as "any protocol", and so does the model: it tests nothing, and negated it matches
     * nothing. Numbers for the protocols nft has no unambiguous name for.
     */
    private static String protocol(Protocol protocol, boolean negated) {
        if (protocol.isAny()) {
            return negated ? "meta l4proto 0 meta l4proto != 0" : "";
        }
        String name = switch (protocol.name()) {
            case "tcp", "udp", "icmp" -> protocol.name();
            case "icmpv6" -> "58";
            case "sctp" -> "132";
            default -> protocol.name();
        };
        return "meta l4proto " + not(negated) + name;
    }

    /** A type and code negated together: the packet is not of this type with this code. */
    private static String icmp(IcmpMatch icmp, boolean negated, String header) {
        if (icmp.code() == null) {
            return header + " type " + not(negated) + icmp.type();
        }
        if (negated) {
            return header + " type . " + header + " code != { " + icmp.type() + " . " + icmp.code() + " }";
        }
        return header + " type " + icmp.type() + " " + header + " code " + icmp.code();
    }

    private static String ports(List<PortRange> ranges) {
        return anonymousSet(ranges.stream()
                .map(range -> range.isSingle() ? Integer.toString(range.first()) : range.first() + "-" + range.last())
                .toList());
    }

    private static String anonymousSet(List<String> items) {
        return items.size() == 1 ? items.get(0) : "{ " + String.join(", ", items) + " }";
    }

    private static String family(int version) {
        return version == 4 ? "ip" : "ip6";
    }

    private static String name(Side side) {
        return side == Side.SOURCE ? "iifname" : "oifname";
    }

    /** An interface name; a trailing '+' (iptables' prefix match) is nft's '*'. */
    private static String quoted(String name) {
        return "\"" + (name.endsWith("+") ? name.substring(0, name.length() - 1) + "*" : name) + "\"";
    }

    private static String not(boolean negated) {
        return negated ? "!= " : "";
    }

    private static String hex(int value) {
        return "0x" + Integer.toHexString(value);
    }
}
