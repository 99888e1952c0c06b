package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.model.selector.Selector;

/**
 * One side (source or destination) of a rule, in Calico's terms: every field present must match (nets: any of them;
 * notNets: none of them; selector / notSelector: the address belongs, or does not, to an endpoint or network set the
 * selector matches; namespaceSelector: to one in a namespace whose labels match; ports / notPorts likewise).
 * {@code tag} is jcalico's extension from the prototype: the address belongs to an endpoint whose profiles carry
 * the tag. Null fields match anything. jcalico's earlier single {@code net} reads as a one-element {@code nets}.
 */
public record EntityMatch(String tag, List<Cidr> nets, List<Cidr> notNets, String selector, String notSelector,
                          String namespaceSelector, Ports ports, Ports notPorts) {
    public static final EntityMatch ANY = new EntityMatch(null, null, null, null, null, null, null, null);

    public EntityMatch {
        if (tag != null) {
            Names.check("tag", tag);
        }
        nets = Lists.copy("nets", nets);
        notNets = Lists.copy("notNets", notNets);
        selector = selector(selector, "selector");
        notSelector = selector(notSelector, "notSelector");
        namespaceSelector = selector(namespaceSelector, "namespaceSelector");
        if (notPorts != null && !notPorts.names().isEmpty()) {
            throw ValidationException.field("notPorts", notPorts, "names a port; notPorts takes numbers and ranges only");
        }
    }

    /** A side with a tag, a network and ports, as jcalico's profile commands make them. */
    public EntityMatch(String tag, Cidr net, Ports ports) {
        this(tag, net == null ? null : List.of(net), null, null, null, null, ports, null);
    }

    @JsonCreator
    static EntityMatch fromJson(@JsonProperty("tag") String tag, @JsonProperty("net") Cidr net,
                                @JsonProperty("nets") List<Cidr> nets, @JsonProperty("notNets") List<Cidr> notNets,
                                @JsonProperty("selector") String selector, @JsonProperty("notSelector") String notSelector,
                                @JsonProperty("namespaceSelector") String namespaceSelector,
                                @JsonProperty("ports") Ports ports, @JsonProperty("notPorts") Ports notPorts) {
        List<Cidr> all = new ArrayList<>();
        if (net != null) {
            all.add(net);
        }
        all.addAll(Lists.copy("nets", nets));
        return new EntityMatch(tag, all, notNets, selector, notSelector, namespaceSelector, ports, notPorts);
    }

    /** Calico reads an empty selector as none. */
    private static String selector(String text, String field) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Selector.parse(text).toString();
        } catch (ValidationException e) {
            throw new ValidationException(field + ": " + e.getMessage());
        }
    }

    /**
     * The IP versions this side can match: with nets, only their families (as in Calico, a rule renders for each
     * family with that family's nets, and not at all for a family none of its nets has).
     */
    @JsonIgnore
    public java.util.Set<Integer> versions() {
        if (nets.isEmpty()) {
            return java.util.Set.of(4, 6);
        }
        return nets.stream().map(Cidr::version).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The nets and notNets of one family. */
    public List<Cidr> nets(int version) {
        return nets.stream().filter(net -> net.version() == version).toList();
    }

    public List<Cidr> notNets(int version) {
        return notNets.stream().filter(net -> net.version() == version).toList();
    }

    @JsonIgnore
    public boolean hasPorts() {
        return ports != null || notPorts != null;
    }

    /** Leaves a rule side that matches anything out of the JSON/YAML form. */
    public static final class OmitAny {
        @Override
        public boolean equals(Object other) {
            return other == null || (other instanceof EntityMatch match && match.isAny());
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    @JsonIgnore
    public boolean isAny() {
        return equals(ANY);
    }
}
