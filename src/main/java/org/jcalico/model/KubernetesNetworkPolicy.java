package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Kubernetes {@code networking.k8s.io/v1} NetworkPolicy, kept as written so that {@code get} prints it back in its
 * own API; it acts as the Calico NetworkPolicy that org.jcalico.policy.KubernetesPolicies translates it into. Its
 * kind name here is KubernetesNetworkPolicy, because in files it is a "NetworkPolicy" told apart from Calico's by its
 * apiVersion. Validation is Kubernetes' own (a peer is ipBlock or selectors, except nets inside the cidr, endPort only
 * with a numeric port), so that every stored policy translates.
 */
public record KubernetesNetworkPolicy(Metadata metadata, Spec spec) implements Resource {
    public static final String KIND = "KubernetesNetworkPolicy";
    public static final String API_VERSION = "networking.k8s.io/v1";
    /** The prefix of the name of the Calico policy it becomes ("knp.default.NAME", as Calico names it). */
    public static final String CALICO_NAME_PREFIX = "knp.default.";
    private static final int MAX_NAME = 63 - CALICO_NAME_PREFIX.length();

    /** Its spec, field for field as Kubernetes has it; policyTypes absent is defaulted by the translation. */
    public record Spec(LabelSelector podSelector, List<PolicyType> policyTypes, List<IngressRule> ingress,
                       List<EgressRule> egress) {
        public Spec {
            podSelector = podSelector == null ? LabelSelector.EMPTY : podSelector;
            policyTypes = Lists.copy("spec.policyTypes", policyTypes);
            if (new HashSet<>(policyTypes).size() != policyTypes.size()) {
                throw ValidationException.field("spec.policyTypes", policyTypes, "names a type twice");
            }
            ingress = Lists.copy("spec.ingress", ingress);
            egress = Lists.copy("spec.egress", egress);
        }
    }

    /** Kubernetes' label selector: every matchLabels pair and every expression must hold; empty selects everything. */
    public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
        public static final LabelSelector EMPTY = new LabelSelector(null, null);

        public LabelSelector {
            matchLabels = LabelRules.check("matchLabels", matchLabels);
            matchExpressions = Lists.copy("matchExpressions", matchExpressions);
        }

        @JsonIgnore
        public boolean isEmpty() {
            return matchLabels.isEmpty() && matchExpressions.isEmpty();
        }
    }

    public enum Operator {
        In, NotIn, Exists, DoesNotExist;

        @JsonCreator
        public static Operator parse(String text) {
            for (Operator operator : values()) {
                if (operator.name().equals(text)) {
                    return operator;
                }
            }
            throw ValidationException.field("operator", text, "is not In, NotIn, Exists or DoesNotExist");
        }
    }

    /** One matchExpressions entry: In and NotIn take values, Exists and DoesNotExist none. */
    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            if (key == null || !LabelRules.isKey(key)) {
                throw ValidationException.field("key", key, "is not a valid label key");
            }
            if (operator == null) {
                throw new ValidationException("operator: missing (In, NotIn, Exists or DoesNotExist)");
            }
            values = Lists.copy("values", values);
            boolean takesValues = operator == Operator.In || operator == Operator.NotIn;
            if (takesValues && values.isEmpty()) {
                throw new ValidationException("values: must be non-empty for operator " + operator);
            }
            if (!takesValues && !values.isEmpty()) {
                throw new ValidationException("values: must be empty for operator " + operator);
            }
            for (String value : values) {
                if (!LabelRules.isValue(value)) {
                    throw ValidationException.field("values", value, "is not a valid label value");
                }
            }
        }
    }

    public record IngressRule(List<Peer> from, List<PolicyPort> ports) {
        public IngressRule {
            from = Lists.copy("from", from);
            ports = Lists.copy("ports", ports);
        }
    }

    public record EgressRule(List<Peer> to, List<PolicyPort> ports) {
        public EgressRule {
            to = Lists.copy("to", to);
            ports = Lists.copy("ports", ports);
        }
    }

    /** One end of a rule: an ipBlock, or pods by podSelector and/or namespaceSelector. */
    public record Peer(LabelSelector podSelector, LabelSelector namespaceSelector, IpBlock ipBlock) {
        public Peer {
            if (ipBlock != null && (podSelector != null || namespaceSelector != null)) {
                throw new ValidationException("ipBlock: may not be combined with podSelector or namespaceSelector in one peer");
            }
            if (ipBlock == null && podSelector == null && namespaceSelector == null) {
                throw new ValidationException("must give podSelector, namespaceSelector or ipBlock");
            }
        }
    }

    /** Networks: cidr, less the networks in except, each of which lies strictly inside it. */
    public record IpBlock(Cidr cidr, List<Cidr> except) {
        public IpBlock {
            if (cidr == null) {
                throw new ValidationException("cidr: missing");
            }
            except = Lists.copy("ipBlock.except", except);
            for (Cidr hole : except) {
                if (hole.version() != cidr.version() || !cidr.contains(hole) || hole.prefixLength() <= cidr.prefixLength()) {
                    throw ValidationException.field("except", hole, "is not strictly inside " + cidr);
                }
            }
        }
    }

    /** A port entry: protocol (absent means TCP), a port number or name (absent: every port), endPort for a range. */
    public record PolicyPort(String protocol, PortValue port, Integer endPort) {
        private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

        public PolicyPort {
            if (protocol != null && !PROTOCOLS.contains(protocol)) {
                throw ValidationException.field("protocol", protocol, "is not TCP, UDP or SCTP");
            }
            if (endPort != null) {
                if (port == null || port.number() == null) {
                    throw ValidationException.field("endPort", endPort, "needs a numeric port");
                }
                if (endPort < port.number() || endPort > 65535) {
                    throw ValidationException.field("endPort", endPort, "is not in " + port.number() + "-65535");
                }
            }
        }

        /** The protocol Kubernetes defaults an absent one to. */
        @JsonIgnore
        public String effectiveProtocol() {
            return protocol == null ? "TCP" : protocol;
        }
    }

    /** Kubernetes' IntOrString port: a number 1-65535 or a port name that pods declare. */
    public record PortValue(Integer number, String name) {
        private static final Pattern NAME = Pattern.compile("(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

        public PortValue {
            if ((number == null) == (name == null)) {
                throw new IllegalArgumentException("a port is a number or a name");
            }
            if (number != null && (number < 1 || number > 65535)) {
                throw ValidationException.field("port", number, "is not a port number 1-65535");
            }
            if (name != null && (!NAME.matcher(name).matches() || name.contains("--"))) {
                throw ValidationException.field("port", name, "is not a port number or a valid port name");
            }
        }

        @JsonCreator
        public static PortValue of(int number) {
            return new PortValue(number, null);
        }

        @JsonCreator
        public static PortValue of(String name) {
            return new PortValue(null, name);
        }

        @JsonValue
        public Object value() {
            return number != null ? number : name;
        }

        @Override
        public String toString() {
            return value().toString();
        }
    }

    public KubernetesNetworkPolicy {
        if (metadata == null) {
            throw new ValidationException("metadata: missing");
        }
        metadata = metadata.namespaced();
        if (metadata.name().length() > MAX_NAME) {
            throw ValidationException.field("metadata.name", metadata.name(), "is longer than " + MAX_NAME
                    + " characters (its Calico policy is named " + CALICO_NAME_PREFIX + "NAME, at most 63)");
        }
        spec = spec == null ? new Spec(null, null, null, null) : spec;
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    /** NAMESPACE/NAME, as for Calico's namespaced kinds. */
    @Override
    public String name() {
        return metadata.namespace() + "/" + metadata.name();
    }
}
