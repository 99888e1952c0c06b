package org.jcalico.model.selector;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A Calico label selector: an expression over a resource's labels (grammar in {@link SelectorParser}). Values are
 * immutable and compare by structure; {@link #toString()} is the canonical text, the same for every spelling of the
 * same expression (spacing, quotes, order and duplicates of set members, redundant parentheses, doubled '!'), so it
 * can name shared dataplane objects.
 */
public sealed interface Selector {
    /** The label a namespaced resource carries with its namespace; global() selects the resources without it. */
    String NAMESPACE_LABEL = "projectcalico.org/namespace";

    /** Parses Calico's selector text; null, empty or blank (spaces and tabs) text is all(). */
    static Selector parse(String text) {
        return SelectorParser.parse(text);
    }

    static Selector all() {
        return new All();
    }

    /** The negation of a selector; a double negation cancels out. */
    static Selector not(Selector selector) {
        return selector instanceof Not not ? not.operand() : new Not(selector);
    }

    boolean matches(Map<String, String> labels);

    /** Both this and other must match; all() is the identity. */
    default Selector and(Selector other) {
        if (this instanceof All) {
            return other;
        }
        if (other instanceof All) {
            return this;
        }
        return new And(List.of(this, other));
    }

    /**
     * The same expression over labels renamed to prefix + key (has() included; all() and global() unchanged): how a
     * selector over namespace labels becomes one over the copies of them that endpoints carry.
     */
    default Selector withKeyPrefix(String prefix) {
        if (prefix == null || !prefix.isEmpty() && !SelectorText.isKey(prefix)) {
            throw new IllegalArgumentException("label key prefix '" + prefix + "' has characters a label key cannot");
        }
        return mapKeys(key -> prefix + key);
    }

    /**
     * This namespaceSelector as a selector over endpoints that carry their namespace's labels under prefix, as
     * Calico converts a rule's namespaceSelector (libcalico-go updateprocessors/rules.go): keys prefixed, all()
     * (every namespace) becomes has(projectcalico.org/namespace), so it selects every namespaced endpoint and no
     * global resource, and global() becomes !has(projectcalico.org/namespace).
     */
    default Selector overNamespaceLabels(String prefix) {
        Selector namespaced = new Has(NAMESPACE_LABEL);
        return withKeyPrefix(prefix).replaceAllAndGlobal(namespaced, Selector.not(namespaced));
    }

    /** Whether global() occurs anywhere in the expression. */
    default boolean usesGlobal() {
        return switch (this) {
            case Global g -> true;
            case Not not -> not.operand().usesGlobal();
            case And and -> and.operands().stream().anyMatch(Selector::usesGlobal);
            case Or or -> or.operands().stream().anyMatch(Selector::usesGlobal);
            default -> false;
        };
    }

    private Selector replaceAllAndGlobal(Selector all, Selector global) {
        return switch (this) {
            case All a -> all;
            case Global g -> global;
            case Not not -> Selector.not(not.operand().replaceAllAndGlobal(all, global));
            case And and -> new And(and.operands().stream().map(o -> o.replaceAllAndGlobal(all, global)).toList());
            case Or or -> new Or(or.operands().stream().map(o -> o.replaceAllAndGlobal(all, global)).toList());
            default -> this;
        };
    }

    /** This expression with every label key replaced by rename(key). */
    private Selector mapKeys(UnaryOperator<String> rename) {
        return switch (this) {
            case All a -> a;
            case Global g -> g;
            case Has has -> new Has(rename.apply(has.key()));
            case Eq eq -> new Eq(rename.apply(eq.key()), eq.value());
            case Ne ne -> new Ne(rename.apply(ne.key()), ne.value());
            case In in -> new In(rename.apply(in.key()), in.values());
            case NotIn notIn -> new NotIn(rename.apply(notIn.key()), notIn.values());
            case Contains c -> new Contains(rename.apply(c.key()), c.value());
            case StartsWith s -> new StartsWith(rename.apply(s.key()), s.value());
            case EndsWith e -> new EndsWith(rename.apply(e.key()), e.value());
            case Not not -> new Not(not.operand().mapKeys(rename));
            case And and -> new And(and.operands().stream().map(o -> o.mapKeys(rename)).toList());
            case Or or -> new Or(or.operands().stream().map(o -> o.mapKeys(rename)).toList());
        };
    }

    /** all(): every resource. */
    record All() implements Selector {
        @Override
        public boolean matches(Map<String, String> labels) {
            return true;
        }

        @Override
        public String toString() {
            return "all()";
        }
    }

    /** global(): resources that are not namespaced (they lack {@link #NAMESPACE_LABEL}). */
    record Global() implements Selector {
        @Override
        public boolean matches(Map<String, String> labels) {
            return !labels.containsKey(NAMESPACE_LABEL);
        }

        @Override
        public String toString() {
            return "global()";
        }
    }

    /** has(key): the label is present, whatever its value. */
    record Has(String key) implements Selector {
        public Has {
            SelectorText.checkKey(key);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            return labels.containsKey(key);
        }

        @Override
        public String toString() {
            return "has(" + key + ")";
        }
    }

    /** key == value: the label is present with exactly this value. */
    record Eq(String key, String value) implements Selector {
        public Eq {
            SelectorText.checkKey(key);
            SelectorText.checkValue(value);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            return value.equals(labels.get(key));
        }

        @Override
        public String toString() {
            return key + " == " + SelectorText.quote(value);
        }
    }

    /** key != value: the label is absent, or present with another value. */
    record Ne(String key, String value) implements Selector {
        public Ne {
            SelectorText.checkKey(key);
            SelectorText.checkValue(value);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            return !value.equals(labels.get(key));
        }

        @Override
        public String toString() {
            return key + " != " + SelectorText.quote(value);
        }
    }

    /** key in {values}: the label is present with one of the values (kept sorted, without duplicates). */
    record In(String key, List<String> values) implements Selector {
        public In {
            SelectorText.checkKey(key);
            values = SelectorText.set(values);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return value != null && Collections.binarySearch(values, value) >= 0;
        }

        @Override
        public String toString() {
            return key + " in " + SelectorText.setLiteral(values);
        }
    }

    /** key not in {values}: the label is absent, or present with none of the values. */
    record NotIn(String key, List<String> values) implements Selector {
        public NotIn {
            SelectorText.checkKey(key);
            values = SelectorText.set(values);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return value == null || Collections.binarySearch(values, value) < 0;
        }

        @Override
        public String toString() {
            return key + " not in " + SelectorText.setLiteral(values);
        }
    }

    /** key contains value: the label is present and its value contains this text. */
    record Contains(String key, String value) implements Selector {
        public Contains {
            SelectorText.checkKey(key);
            SelectorText.checkValue(value);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            String actual = labels.get(key);
            return actual != null && actual.contains(value);
        }

        @Override
        public String toString() {
            return key + " contains " + SelectorText.quote(value);
        }
    }

    /** key starts with value: the label is present and its value starts with this text. */
    record StartsWith(String key, String value) implements Selector {
        public StartsWith {
            SelectorText.checkKey(key);
            SelectorText.checkValue(value);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            String actual = labels.get(key);
            return actual != null && actual.startsWith(value);
        }

        @Override
        public String toString() {
            return key + " starts with " + SelectorText.quote(value);
        }
    }

    /** key ends with value: the label is present and its value ends with this text. */
    record EndsWith(String key, String value) implements Selector {
        public EndsWith {
            SelectorText.checkKey(key);
            SelectorText.checkValue(value);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            String actual = labels.get(key);
            return actual != null && actual.endsWith(value);
        }

        @Override
        public String toString() {
            return key + " ends with " + SelectorText.quote(value);
        }
    }

    /**
     * !operand. The operand is never itself a Not (use {@link Selector#not}): "!!x" and x are one expression and
     * must have one value and one text.
     */
    record Not(Selector operand) implements Selector {
        public Not {
            if (operand == null || operand instanceof Not) {
                throw new IllegalArgumentException("Not takes a selector that is not a Not (use Selector.not)");
            }
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            return !operand.matches(labels);
        }

        @Override
        public String toString() {
            boolean bare = operand instanceof All || operand instanceof Global || operand instanceof Has;
            return bare ? "!" + operand : "!(" + operand + ")";
        }
    }

    /** operand && operand && ...: at least two operands; nested Ands are flattened into one. */
    record And(List<Selector> operands) implements Selector {
        public And {
            operands = SelectorText.flatten(operands, And.class, And::operands);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            for (Selector operand : operands) {
                if (!operand.matches(labels)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return operands.stream().map(o -> o instanceof Or ? "(" + o + ")" : o.toString())
                    .collect(Collectors.joining(" && "));
        }
    }

    /** operand || operand || ...: at least two operands; nested Ors are flattened into one. */
    record Or(List<Selector> operands) implements Selector {
        public Or {
            operands = SelectorText.flatten(operands, Or.class, Or::operands);
        }

        @Override
        public boolean matches(Map<String, String> labels) {
            for (Selector operand : operands) {
                if (operand.matches(labels)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return operands.stream().map(Selector::toString).collect(Collectors.joining(" || "));
        }
    }
}
