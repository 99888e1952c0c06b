package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Map;

/**
 * A security profile: endpoints that carry it are members of its tags, and its inbound and outbound rules are
 * checked in order; a packet that no rule matches falls through to the endpoint's next profile, then is dropped.
 * Its labels are Calico's labelsToApply: labels that every endpoint carrying the profile inherits.
 */
public record Profile(String name, List<String> tags, @KeepsEmptyValues Map<String, String> labels, List<Rule> inbound,
                      List<Rule> outbound) implements Resource {
    public static final String KIND = "Profile";

    public Profile {
        Names.check("name", name);
        tags = Lists.copy("tags", tags);
        tags.forEach(tag -> Names.check("tags", tag));
        labels = LabelRules.check("labels", labels);
        inbound = Lists.copy("inbound", inbound);
        outbound = Lists.copy("outbound", outbound);
    }

    /**
     * The prototype's security group: members share the tag NAME, accept traffic from each other, and may send
     * anywhere.
     */
    public static Profile securityGroup(String name) {
        Rule fromMembers = Rule.allow().withSource(new EntityMatch(name, null, null));
        return new Profile(name, List.of(name), Map.of(), List.of(fromMembers), List.of(Rule.allow()));
    }

    public List<Rule> rules(Direction direction) {
        return direction == Direction.INBOUND ? inbound : outbound;
    }

    public Profile withRules(Direction direction, List<Rule> rules) {
        return direction == Direction.INBOUND
                ? new Profile(name, tags, labels, rules, outbound)
                : new Profile(name, tags, labels, inbound, rules);
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }
}
