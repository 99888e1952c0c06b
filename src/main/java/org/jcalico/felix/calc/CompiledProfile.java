package org.jcalico.felix.calc;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.felix.program.Origin;
import org.jcalico.felix.program.ProgramChain;
import org.jcalico.felix.program.ProgramRule;
import org.jcalico.model.Direction;
import org.jcalico.model.Profile;
import org.jcalico.model.Rule;

/** A profile's chains per direction and IP family; a profile that does not exist has empty ones (nothing allowed). */
final class CompiledProfile {
    private final CompiledChain[][] chains = new CompiledChain[2][2];

    /** @param logDrops whether its Deny rules log what they drop (the denied-flow log) */
    CompiledProfile(String name, Profile profile, boolean logDrops) {
        for (Direction direction : Direction.values()) {
            for (int version : List.of(4, 6)) {
                chains[direction.ordinal()][version == 4 ? 0 : 1] = compile(name, profile, direction, version, logDrops);
            }
        }
    }

    CompiledChain chain(Direction direction, int version) {
        return chains[direction.ordinal()][version == 4 ? 0 : 1];
    }

    private static CompiledChain compile(String name, Profile profile, Direction direction, int version, boolean logDrops) {
        String chain = DataplaneNames.profile(name, direction);
        CompiledChain.Needs needs = new CompiledChain.Needs();
        List<ProgramRule> rules = new ArrayList<>();
        List<Rule> profileRules = profile == null ? List.of() : profile.rules(direction);
        for (int i = 0; i < profileRules.size(); i++) {
            Rule rule = profileRules.get(i);
            if (rule.versions().contains(version)) {
                Origin origin = new Origin.ProfileRule(name, direction, i, rule.action());
                rules.addAll(RuleCompiler.compile(rule, version, null, false, origin, chain + ":" + i, logDrops, needs));
            }
        }
        return needs.chain(new ProgramChain(chain, rules));
    }
}
