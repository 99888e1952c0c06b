package org.jcalico.model.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

/**
 * Random selectors: their canonical text parses back to them, any other spelling of them parses to them too, and
 * matches agrees with a direct reading of Calico's documented semantics.
 */
class SelectorPropertyTest {
    private static final long SEED = Long.getLong("selector.seed", 20261130L);
    private static final List<String> KEYS = List.of("a", "b", "app", "x/y", "k8s.io/name-1_2", Selector.NAMESPACE_LABEL);
    private static final List<String> VALUES = List.of("", "v", "w", "vw", "wv", "it's", "say \"hi\"", "a b");
    private static final String[] BLANKS = {"", " ", "\t", "  "};

    @Test
    void canonicalTextRespellingsAndEvaluationAgree() {
        System.out.println("SelectorPropertyTest seed " + SEED + " (rerun with -Dselector.seed=" + SEED + ")");
        Random random = new Random(SEED);
        for (int n = 0; n < 2000; n++) {
            Selector selector = selector(random, 4);
            String text = selector.toString();
            assertEquals(selector, Selector.parse(text), "canonical text " + text);
            String respelled = respell(random, selector);
            Selector reparsed = Selector.parse(respelled);
            assertEquals(selector, reparsed, "respelled " + respelled);
            assertEquals(text, reparsed.toString(), "respelled " + respelled);
            for (int m = 0; m < 20; m++) {
                Map<String, String> labels = labels(random);
                assertEquals(expected(selector, labels), selector.matches(labels), text + " on " + labels);
            }
        }
    }

    @Test
    void anyTextParsesOrFailsWithOneColumnedLine() {
        String[] pieces = {"a", "b/c", " ", "\t", "(", ")", "!", "=", "==", "!=", "&", "&&", "|", "||", "{", "}", ",",
                "'", "\"", "'v'", "\"w\"", "has(", "has(a)", "in", "not", "all()", "all(", "global()", "contains",
                "starts", "with", "ends", "\n", "\u00e9", "\u202e", "\ud83d\ude00"};
        Pattern error = Pattern.compile("selector: column (\\d+): [^\n]+");
        Random random = new Random(SEED);
        for (int n = 0; n < 10000; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            try {
                Selector selector = Selector.parse(text.toString());
                assertEquals(selector, Selector.parse(selector.toString()), text.toString());
            } catch (ValidationException e) {
                Matcher matcher = error.matcher(e.getMessage());
                assertTrue(matcher.matches(), e.getMessage());
                int column = Integer.parseInt(matcher.group(1));
                assertTrue(column >= 1 && column <= text.codePointCount(0, text.length()) + 1, text + " -> " + e.getMessage());
            }
        }
    }

    private static Selector selector(Random random, int depth) {
        int kinds = depth == 0 ? 10 : 13;
        String key = pick(random, KEYS);
        String value = pick(random, VALUES);
        return switch (random.nextInt(kinds)) {
            case 0 -> random.nextInt(4) == 0 ? Selector.all() : new Selector.Global();
            case 1 -> new Selector.Has(key);
            case 2 -> new Selector.Eq(key, value);
            case 3 -> new Selector.Ne(key, value);
            case 4 -> new Selector.In(key, values(random));
            case 5 -> new Selector.NotIn(key, values(random));
            case 6 -> new Selector.Contains(key, value);
            case 7 -> new Selector.StartsWith(key, value);
            case 8 -> new Selector.EndsWith(key, value);
            case 9 -> new Selector.Not(new Selector.Has(key));
            case 10 -> Selector.not(selector(random, depth - 1));
            case 11 -> new Selector.And(operands(random, depth));
            default -> new Selector.Or(operands(random, depth));
        };
    }

    private static List<Selector> operands(Random random, int depth) {
        List<Selector> operands = new ArrayList<>();
        for (int i = 2 + random.nextInt(2); i > 0; i--) {
            operands.add(selector(random, depth - 1));
        }
        return operands;
    }

    private static List<String> values(Random random) {
        List<String> values = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            values.add(pick(random, VALUES));
        }
        return values;
    }

    private static Map<String, String> labels(Random random) {
        Map<String, String> labels = new HashMap<>();
        for (String key : KEYS) {
            if (random.nextInt(3) > 0) {
                labels.put(key, pick(random, VALUES));
            }
        }
        return labels;
    }

    /** Calico's documented meaning of each operator, written out independently of Selector.matches. */
    private static boolean expected(Selector selector, Map<String, String> labels) {
        return switch (selector) {
            case Selector.All a -> true;
            case Selector.Global g -> !labels.containsKey(Selector.NAMESPACE_LABEL);
            case Selector.Has h -> labels.containsKey(h.key());
            case Selector.Eq e -> labels.containsKey(e.key()) && labels.get(e.key()).equals(e.value());
            case Selector.Ne e -> !labels.containsKey(e.key()) || !labels.get(e.key()).equals(e.value());
            case Selector.In in -> labels.containsKey(in.key()) && in.values().contains(labels.get(in.key()));
            case Selector.NotIn in -> !labels.containsKey(in.key()) || !in.values().contains(labels.get(in.key()));
            case Selector.Contains c -> labels.containsKey(c.key()) && labels.get(c.key()).contains(c.value());
            case Selector.StartsWith s -> labels.containsKey(s.key()) && labels.get(s.key()).startsWith(s.value());
            case Selector.EndsWith e -> labels.containsKey(e.key()) && labels.get(e.key()).endsWith(e.value());
            case Selector.Not not -> !expected(not.operand(), labels);
            case Selector.And and -> and.operands().stream().allMatch(o -> expected(o, labels));
            case Selector.Or or -> or.operands().stream().anyMatch(o -> expected(o, labels));
        };
    }

    /** Another text for the same selector: other blanks, quotes, set order and duplicates, parentheses, '!!'. */
    private static String respell(Random random, Selector selector) {
        String text = switch (selector) {
            case Selector.All a -> "all(" + blank(random) + ")";
            case Selector.Global g -> "global(" + blank(random) + ")";
            case Selector.Has h -> "has(" + blank(random) + h.key() + blank(random) + ")";
            case Selector.Eq e -> e.key() + blank(random) + "==" + blank(random) + quote(random, e.value());
            case Selector.Ne e -> e.key() + blank(random) + "!=" + blank(random) + quote(random, e.value());
            case Selector.In in -> in.key() + " in" + blank(random) + set(random, in.values());
            case Selector.NotIn in -> in.key() + " not" + blank(random) + "in" + blank(random) + set(random, in.values());
            case Selector.Contains c -> c.key() + " contains" + blank(random) + quote(random, c.value());
            case Selector.StartsWith s -> s.key() + " starts" + blank(random) + "with" + blank(random) + quote(random, s.value());
            case Selector.EndsWith e -> e.key() + " ends" + blank(random) + "with" + blank(random) + quote(random, e.value());
            case Selector.Not not -> (random.nextBoolean() ? "!" : "!!!") + blank(random) + "(" + respell(random, not.operand()) + ")";
            case Selector.And and -> join(random, and.operands(), "&&");
            case Selector.Or or -> join(random, or.operands(), "||");
        };
        if (random.nextInt(6) == 0) {
            text = "!" + blank(random) + "!" + blank(random) + "(" + text + ")";
        } else if (random.nextInt(6) == 0) {
            text = "(" + blank(random) + text + blank(random) + ")";
        }
        return blank(random) + text + blank(random);
    }

    private static String join(Random random, List<Selector> operands, String operator) {
        StringBuilder out = new StringBuilder();
        for (Selector operand : operands) {
            if (!out.isEmpty()) {
                out.append(blank(random)).append(operator).append(blank(random));
            }
            String text = respell(random, operand);
            boolean needsParentheses = operator.equals("&&") && operand instanceof Selector.Or;
            out.append(needsParentheses || random.nextInt(4) == 0 ? "(" + text + ")" : text);
        }
        return out.toString();
    }

    private static String set(Random random, List<String> values) {
        List<String> spelled = new ArrayList<>(values);
        if (!values.isEmpty() && random.nextBoolean()) {
            spelled.add(pick(random, values));
        }
        Collections.shuffle(spelled, random);
        StringBuilder out = new StringBuilder("{").append(blank(random));
        for (int i = 0; i < spelled.size(); i++) {
            out.append(quote(random, spelled.get(i))).append(blank(random));
            if (i < spelled.size() - 1 || random.nextBoolean()) {
                out.append(",").append(blank(random));
            }
        }
        return out.append("}").toString();
    }

    private static String quote(Random random, String value) {
        boolean single = value.contains("\"") || !value.contains("'") && random.nextBoolean();
        return single ? "'" + value + "'" : "\"" + value + "\"";
    }

    private static String blank(Random random) {
        return BLANKS[random.nextInt(BLANKS.length)];
    }

    private static <T> T pick(Random random, List<T> items) {
        return items.get(random.nextInt(items.size()));
    }
}
