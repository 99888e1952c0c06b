package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.SetPolarity;
import org.jcalico.felix.program.ProgramChain;

/**
 * A policy's or profile's chain for one direction and IP family, with the sets its rules match: selector sets (whose
 * members SelectorSets computes), sets of a rule's literal nets (complete here), and tags (TagSets), and how its rules
 * use each set (SetPolarities).
 */
record CompiledChain(ProgramChain chain, Set<SetKey> selectorSets, Map<String, IpSetSpec> netSets, Set<String> tags,
                     Map<String, SetPolarity> polarities) {
    CompiledChain {
        selectorSets = Set.copyOf(selectorSets);
        netSets = Map.copyOf(netSets);
        tags = Set.copyOf(tags);
        polarities = Map.copyOf(polarities);
    }

    /** With the polarity of each set CHAIN matches, worked out once per compiled chain. */
    CompiledChain(ProgramChain chain, Set<SetKey> selectorSets, Map<String, IpSetSpec> netSets, Set<String> tags) {
        this(chain, selectorSets, netSets, tags, SetPolarities.of(chain));
    }

    /** Every kernel object this chain consists of or matches, by name: what its endpoints depend on. */
    List<String> objects(int version) {
        List<String> objects = new ArrayList<>();
        objects.add(chain.name());
        selectorSets.forEach(key -> objects.add(key.name()));
        objects.addAll(netSets.keySet());
        tags.forEach(tag -> objects.add(DataplaneNames.tagSet(tag, version)));
        return objects;
    }

    /** What rules being compiled need, collected as they are. */
    static final class Needs {
        final Set<SetKey> selectorSets = new TreeSet<>(java.util.Comparator.comparing(SetKey::name));
        final Map<String, IpSetSpec> netSets = new TreeMap<>();
        final Set<String> tags = new TreeSet<>();

        CompiledChain chain(ProgramChain chain) {
            return new CompiledChain(chain, selectorSets, netSets, tags);
        }
    }
}
