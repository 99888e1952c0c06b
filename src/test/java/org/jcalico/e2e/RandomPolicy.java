package org.jcalico.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Random Calico v3 policy scenarios for the differential test, in a small model of their own: selectors as trees
 * (printed in Calico's grammar, evaluated by {@link PolicyOracle}), rules, policies, tiers, and the labels of pods and
 * namespaces. Nothing here comes from jcalico's policy code; the same seed gives the same scenario.
 */
public final class RandomPolicy {
    private RandomPolicy() {
    }

    /** A selector, as a tree. */
    public sealed interface Selector {
        boolean matches(Map<String, String> labels);

        String text();
    }

    public record All() implements Selector {
        public boolean matches(Map<String, String> labels) {
            return true;
        }

        public String text() {
            return "all()";
        }
    }

    public record Equals(String key, String value) implements Selector {
        public boolean matches(Map<String, String> labels) {
            return value.equals(labels.get(key));
        }

        public String text() {
            return key + " == \"" + value + "\"";
        }
    }

    public record NotEquals(String key, String value) implements Selector {
        public boolean matches(Map<String, String> labels) {
            return !value.equals(labels.get(key));
        }

        public String text() {
            return key + " != \"" + value + "\"";
        }
    }

    public record Has(String key) implements Selector {
        public boolean matches(Map<String, String> labels) {
            return labels.containsKey(key);
        }

        public String text() {
            return "has(" + key + ")";
        }
    }

    public record In(String key, List<String> values, boolean negated) implements Selector {
        public boolean matches(Map<String, String> labels) {
            boolean in = labels.containsKey(key) && values.contains(labels.get(key));
            return negated != in;
        }

        public String text() {
            return key + (negated ? " not in {" : " in {") + values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ")) + "}";
        }
    }

    public record Not(Selector inner) implements Selector {
        public boolean matches(Map<String, String> labels) {
            return !inner.matches(labels);
        }

        public String text() {
            return "!(" + inner.text() + ")";
        }
    }

    public record And(Selector left, Selector right) implements Selector {
        public boolean matches(Map<String, String> labels) {
            return left.matches(labels) && right.matches(labels);
        }

        public String text() {
            return "(" + left.text() + ") && (" + right.text() + ")";
        }
    }

    public record Or(Selector left, Selector right) implements Selector {
        public boolean matches(Map<String, String> labels) {
            return left.matches(labels) || right.matches(labels);
        }

        public String text() {
            return "(" + left.text() + ") || (" + right.text() + ")";
        }
    }

    /** One side of a rule; null fields are absent. Ports only on the destination side, only with a protocol. */
    public record Side(Selector selector, Selector notSelector, Selector namespaceSelector, List<Integer> ports) {
    }

    public record Rule(String action, String protocol, Side source, Side destination) {
    }

    /** A GlobalNetworkPolicy (namespace null) or a NetworkPolicy; order, types, namespaceSelector may be null. */
    public record Policy(String name, String namespace, String tier, Integer order, Selector selector,
                         Selector namespaceSelector, List<String> types, List<Rule> ingress, List<Rule> egress) {
        public boolean global() {
            return namespace == null;
        }
    }

    public record Tier(String name, Integer order, String defaultAction) {
    }

    /** Everything a round applies: pod labels by pod id ("x/a"), namespace labels, tiers and policies. */
    public record Scenario(Map<String, Map<String, String>> podLabels, Map<String, Map<String, String>> namespaceLabels,
                           List<Tier> tiers, List<Policy> policies) {
        /** The tiers and policies as Calico v3 YAML documents. */
        public String yaml() {
            List<String> documents = new ArrayList<>();
            for (Tier tier : tiers) {
                List<String> spec = new ArrayList<>();
                if (tier.order() != null) {
                    spec.add("order: " + tier.order());
                }
                if (tier.defaultAction() != null) {
                    spec.add("defaultAction: " + tier.defaultAction());
                }
                documents.add("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: " + tier.name()
                        + "\nspec: {" + String.join(", ", spec) + "}\n");
            }
            for (Policy policy : policies) {
                StringBuilder text = new StringBuilder("apiVersion: projectcalico.org/v3\nkind: ")
                        .append(policy.global() ? "GlobalNetworkPolicy" : "NetworkPolicy").append("\nmetadata:\n  name: ")
                        .append(policy.name()).append('\n');
                if (!policy.global()) {
                    text.append("  namespace: ").append(policy.namespace()).append('\n');
                }
                text.append("spec:\n  tier: ").append(policy.tier()).append('\n');
                if (policy.order() != null) {
                    text.append("  order: ").append(policy.order()).append('\n');
                }
                text.append("  selector: ").append(quoted(policy.selector())).append('\n');
                if (policy.namespaceSelector() != null) {
                    text.append("  namespaceSelector: ").append(quoted(policy.namespaceSelector())).append('\n');
                }
                if (policy.types() != null) {
                    text.append("  types: [").append(String.join(", ", policy.types())).append("]\n");
                }
                rules(text, "ingress", policy.ingress());
                rules(text, "egress", policy.egress());
                documents.add(text.toString());
            }
            return String.join("---\n", documents);
        }

        private static void rules(StringBuilder text, String field, List<Rule> rules) {
            if (rules.isEmpty()) {
                return;
            }
            text.append("  ").append(field).append(":\n");
            for (Rule rule : rules) {
                text.append("  - action: ").append(rule.action()).append('\n');
                if (rule.protocol() != null) {
                    text.append("    protocol: ").append(rule.protocol()).append('\n');
                }
                side(text, "source", rule.source());
                side(text, "destination", rule.destination());
            }
        }

        private static void side(StringBuilder text, String field, Side side) {
            if (side == null) {
                return;
            }
            text.append("    ").append(field).append(":\n");
            if (side.selector() != null) {
                text.append("      selector: ").append(quoted(side.selector())).append('\n');
            }
            if (side.notSelector() != null) {
                text.append("      notSelector: ").append(quoted(side.notSelector())).append('\n');
            }
            if (side.namespaceSelector() != null) {
                text.append("      namespaceSelector: ").append(quoted(side.namespaceSelector())).append('\n');
            }
            if (side.ports() != null) {
                text.append("      ports: ").append(side.ports()).append('\n');
            }
        }

        private static String quoted(Selector selector) {
            return "'" + selector.text() + "'";
        }
    }

    private static final List<String> POD_KEYS = List.of("color", "role", "env");
    private static final Map<String, List<String>> VALUES = Map.of("color", List.of("red", "blue"),
            "role", List.of("web", "db", "cache"), "env", List.of("prod"), "pod", List.of("a", "b", "c"),
            "team", List.of("a", "b"));

    /** A scenario for the given pods ("x/a" ...) and namespaces, from the seed. */
    public static Scenario generate(long seed, List<String> podIds, List<String> namespaces) {
        Random random = new Random(seed);
        Map<String, Map<String, String>> podLabels = new LinkedHashMap<>();
        for (String pod : podIds) {
            Map<String, String> labels = new LinkedHashMap<>();
            for (String key : POD_KEYS) {
                if (random.nextInt(10) < 7) {
                    labels.put(key, pick(random, VALUES.get(key)));
                }
            }
            podLabels.put(pod, labels);
        }
        Map<String, Map<String, String>> namespaceLabels = new LinkedHashMap<>();
        for (String namespace : namespaces) {
            namespaceLabels.put(namespace, random.nextInt(10) < 7 ? Map.of("team", pick(random, VALUES.get("team"))) : Map.of());
        }
        List<Tier> tiers = new ArrayList<>();
        List<Integer> tierOrders = new ArrayList<>(java.util.Arrays.asList(null, 50, 150, 2_000_000));
        for (String name : List.of("tone", "ttwo")) {
            tiers.add(new Tier(name, tierOrders.remove(random.nextInt(tierOrders.size())), random.nextBoolean() ? "Pass" : null));
        }
        List<Policy> policies = new ArrayList<>();
        int count = 3 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            String tier = pick(random, List.of("tone", "ttwo", "default"));
            boolean global = random.nextBoolean();
            String name = (tier.equals("default") ? "" : tier + ".") + "p" + i;
            Integer order = random.nextInt(4) == 0 ? null : 10 * (1 + random.nextInt(5));
            Selector selector = random.nextInt(3) == 0 ? new All() : selector(random, 1, List.of("color", "role", "env", "pod"));
            Selector namespaceSelector = global && random.nextInt(5) == 0 ? selector(random, 0, List.of("team")) : null;
            List<String> types = switch (random.nextInt(4)) {
                case 0 -> null;
                case 1 -> List.of("Ingress");
                case 2 -> List.of("Egress");
                default -> List.of("Ingress", "Egress");
            };
            boolean ingressRules = types == null ? random.nextBoolean() : types.contains("Ingress");
            boolean egressRules = types == null ? random.nextBoolean() : types.contains("Egress");
            policies.add(new Policy(name, global ? null : pick(random, namespaces), tier, order, selector, namespaceSelector,
                    types, ingressRules ? rules(random) : List.of(), egressRules ? rules(random) : List.of()));
        }
        return new Scenario(podLabels, namespaceLabels, tiers, policies);
    }

    private static List<Rule> rules(Random random) {
        List<Rule> rules = new ArrayList<>();
        int count = random.nextInt(4);
        for (int i = 0; i < count; i++) {
            int dice = random.nextInt(20);
            String action = dice < 7 ? "Allow" : dice < 12 ? "Deny" : dice < 16 ? "Pass" : "Log";
            int protocolDice = random.nextInt(10);
            String protocol = protocolDice < 5 ? null : protocolDice < 8 ? "TCP" : "UDP";
            Side source = null;
            if (random.nextInt(10) < 6) {
                int kind = random.nextInt(10);
                source = new Side(kind < 7 ? selector(random, 1, List.of("color", "role", "env", "pod")) : null,
                        kind == 7 ? selector(random, 0, List.of("color", "role")) : null,
                        kind >= 8 ? (kind == 8 ? selector(random, 0, List.of("team")) : new All()) : null, null);
            }
            Side destination = null;
            boolean ports = protocol != null && random.nextInt(10) < 4;
            if (ports || random.nextInt(10) < 3) {
                Selector selector = !ports || random.nextBoolean() ? selector(random, 0, List.of("color", "role", "pod")) : null;
                destination = new Side(selector, null, null, ports ? pick(random, List.of(List.of(80), List.of(81), List.of(80, 81))) : null);
            }
            rules.add(new Rule(action, protocol, source, destination));
        }
        return rules;
    }

    private static Selector selector(Random random, int depth, List<String> keys) {
        if (depth > 0 && random.nextInt(3) == 0) {
            Selector left = selector(random, depth - 1, keys);
            Selector right = selector(random, depth - 1, keys);
            return switch (random.nextInt(3)) {
                case 0 -> new And(left, right);
                case 1 -> new Or(left, right);
                default -> new Not(left);
            };
        }
        String key = pick(random, keys);
        List<String> values = VALUES.get(key);
        return switch (random.nextInt(6)) {
            case 0, 1 -> new Equals(key, pick(random, values));
            case 2 -> new NotEquals(key, pick(random, values));
            case 3 -> new Has(key);
            case 4 -> new In(key, values.subList(0, 1 + random.nextInt(values.size())), false);
            default -> new In(key, List.of(pick(random, values)), true);
        };
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
