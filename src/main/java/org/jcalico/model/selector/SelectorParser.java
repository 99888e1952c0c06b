package org.jcalico.model.selector;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.model.Names;
import org.jcalico.model.ValidationException;

/**
 * Calico's selector grammar, lexed as Calico's tokenizer lexes it (libcalico-go lib/selector/tokenizer):
 * <pre>
 *   or        := and ('||' and)*
 *   and       := operation ('&amp;&amp;' operation)*
 *   operation := '!'* ( has(KEY) | all() | global() | '(' or ')'
 *                     | KEY ('==' | '!=' | 'contains' | 'starts' 'with' | 'ends' 'with') STRING
 *                     | KEY ('in' | 'not' 'in') '{' [STRING (',' STRING)* [',']] '}' )
 *   KEY       := [A-Za-z0-9_./-]+        STRING := '...' | "..."  (no escapes)
 * </pre>
 * Whitespace is spaces and tabs only, as in Calico; control and invisible characters are refused anywhere (Calico
 * takes them in strings, but no label value can hold one). Errors name the 1-based column of what is wrong. Input is bounded
 * (length and parenthesis depth) so that hostile text costs little and cannot exhaust the stack.
 */
final class SelectorParser {
    static final int MAX_LENGTH = 4096;
    static final int MAX_DEPTH = 64;

    private enum Kind {
        LABEL, STRING, LBRACE, RBRACE, COMMA, EQ, NE, IN, NOT_IN, CONTAINS, STARTS_WITH, ENDS_WITH, NOT, HAS, ALL,
        GLOBAL, LPAREN, RPAREN, AND, OR, EOF
    }

    private record Token(Kind kind, String text, int position) {
    }

    private final String input;
    private final List<Token> tokens;
    private int next;

    private SelectorParser(String input) {
        this.input = input;
        this.tokens = tokenize(input);
    }

    static Selector parse(String text) {
        if (text == null) {
            return Selector.all();
        }
        if (text.length() > MAX_LENGTH) {
            throw error(text, MAX_LENGTH, "selector is longer than " + MAX_LENGTH + " characters");
        }
        SelectorParser parser = new SelectorParser(text);
        if (parser.peek().kind == Kind.EOF) {
            return Selector.all();
        }
        Selector selector = parser.or(0);
        Token end = parser.peek();
        if (end.kind != Kind.EOF) {
            throw parser.error(end, "expected '&&', '||' or the end of the selector, found " + describe(end));
        }
        return selector;
    }

    private Selector or(int depth) {
        List<Selector> operands = new ArrayList<>();
        operands.add(and(depth));
        while (peek().kind == Kind.OR) {
            next++;
            operands.add(and(depth));
        }
        return operands.size() == 1 ? operands.getFirst() : new Selector.Or(operands);
    }

    private Selector and(int depth) {
        List<Selector> operands = new ArrayList<>();
        operands.add(operation(depth));
        while (peek().kind == Kind.AND) {
            next++;
            operands.add(operation(depth));
        }
        return operands.size() == 1 ? operands.getFirst() : new Selector.And(operands);
    }

    private Selector operation(int depth) {
        boolean negated = false;
        while (peek().kind == Kind.NOT) {
            negated = !negated;
            next++;
        }
        Selector selector = positive(depth);
        return negated ? Selector.not(selector) : selector;
    }

    private Selector positive(int depth) {
        Token token = tokens.get(next++);
        return switch (token.kind) {
            case HAS -> new Selector.Has(token.text);
            case ALL -> new Selector.All();
            case GLOBAL -> new Selector.Global();
            case LPAREN -> {
                if (depth + 1 > MAX_DEPTH) {
                    throw error(token, "parentheses nested deeper than " + MAX_DEPTH);
                }
                Selector inner = or(depth + 1);
                Token close = tokens.get(next++);
                if (close.kind != Kind.RPAREN) {
                    throw error(close, "expected ')' to close the '(' at column " + column(input, token.position)
                            + ", found " + describe(close));
                }
                yield inner;
            }
            case LABEL -> comparison(token);
            default -> throw error(token, "expected a label, has(), all(), global(), '!' or '(', found "
                    + describe(token));
        };
    }

    private Selector comparison(Token label) {
        Token operator = tokens.get(next++);
        String key = label.text;
        return switch (operator.kind) {
            case EQ -> new Selector.Eq(key, string(operator));
            case NE -> new Selector.Ne(key, string(operator));
            case CONTAINS -> new Selector.Contains(key, string(operator));
            case STARTS_WITH -> new Selector.StartsWith(key, string(operator));
            case ENDS_WITH -> new Selector.EndsWith(key, string(operator));
            case IN -> new Selector.In(key, set(operator));
            case NOT_IN -> new Selector.NotIn(key, set(operator));
            default -> throw error(operator, "expected an operator (==, !=, in, not in, contains, starts with, "
                    + "ends with) after label '" + key + "', found " + describe(operator));
        };
    }

    private String string(Token operator) {
        Token value = tokens.get(next++);
        if (value.kind != Kind.STRING) {
            throw error(value, "expected a quoted string after " + describe(operator) + ", found " + describe(value));
        }
        return value.text;
    }

    private List<String> set(Token operator) {
        Token open = tokens.get(next++);
        if (open.kind != Kind.LBRACE) {
            throw error(open, "expected '{' after " + describe(operator) + ", found " + describe(open));
        }
        List<String> values = new ArrayList<>();
        // Calico allows an empty set and a trailing comma
        while (peek().kind == Kind.STRING) {
            values.add(tokens.get(next++).text);
            if (peek().kind != Kind.COMMA) {
                break;
            }
            next++;
        }
        Token close = tokens.get(next++);
        if (close.kind != Kind.RBRACE) {
            throw error(close, "expected a quoted string, ',' or '}' in the set opened at column "
                    + column(input, open.position) + ", found " + describe(close));
        }
        return values;
    }

    private Token peek() {
        return tokens.get(next);
    }

    private ValidationException error(Token token, String what) {
        return error(input, token.position, what);
    }

    private static ValidationException error(String input, int position, String what) {
        return new ValidationException("selector: column " + column(input, position) + ": " + what);
    }

    private static int column(String input, int position) {
        return input.codePointCount(0, Math.min(position, input.length())) + 1;
    }

    private static String describe(Token token) {
        return switch (token.kind) {
            case LABEL -> "label '" + token.text + "'";
            case STRING -> "string " + SelectorText.quote(token.text);
            case LBRACE -> "'{'";
            case RBRACE -> "'}'";
            case COMMA -> "','";
            case EQ -> "'=='";
            case NE -> "'!='";
            case IN -> "'in'";
            case NOT_IN -> "'not in'";
            case CONTAINS -> "'contains'";
            case STARTS_WITH -> "'starts with'";
            case ENDS_WITH -> "'ends with'";
            case NOT -> "'!'";
            case HAS -> "'has(" + token.text + ")'";
            case ALL -> "'all()'";
            case GLOBAL -> "'global()'";
            case LPAREN -> "'('";
            case RPAREN -> "')'";
            case AND -> "'&&'";
            case OR -> "'||'";
            case EOF -> "the end of the selector";
        };
    }

    // ---- tokenizer ----

    private static List<Token> tokenize(String input) {
        // No label value holds such a character, and the selector's text may reach logs and rule comments
        for (int i = 0; i < input.length(); i++) {
            if (input.charAt(i) != '\t' && !Names.isPlain(input, i)) {
                throw error(input, i, "control or invisible character U+"
                        + String.format("%04X", (int) input.charAt(i)));
            }
        }
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (true) {
            i = skipBlanks(input, i);
            if (i == input.length()) {
                tokens.add(new Token(Kind.EOF, null, i));
                return tokens;
            }
            int start = i;
            char c = input.charAt(i);
            boolean afterLabel = !tokens.isEmpty() && tokens.getLast().kind == Kind.LABEL;
            switch (c) {
                case '(' -> tokens.add(new Token(Kind.LPAREN, null, i++));
                case ')' -> tokens.add(new Token(Kind.RPAREN, null, i++));
                case '{' -> tokens.add(new Token(Kind.LBRACE, null, i++));
                case '}' -> tokens.add(new Token(Kind.RBRACE, null, i++));
                case ',' -> tokens.add(new Token(Kind.COMMA, null, i++));
                case '"', '\'' -> {
                    int end = input.indexOf(c, i + 1);
                    if (end < 0) {
                        throw error(input, start, "unterminated string (no closing " + c + ")");
                    }
                    tokens.add(new Token(Kind.STRING, input.substring(i + 1, end), start));
                    i = end + 1;
                }
                case '=' -> {
                    if (!input.startsWith("==", i)) {
                        throw error(input, start, "unknown operator '=' (equality is '==')");
                    }
                    tokens.add(new Token(Kind.EQ, null, start));
                    i += 2;
                }
                case '!' -> {
                    boolean ne = input.startsWith("!=", i);
                    tokens.add(new Token(ne ? Kind.NE : Kind.NOT, null, start));
                    i += ne ? 2 : 1;
                }
                case '&' -> {
                    if (!input.startsWith("&&", i)) {
                        throw error(input, start, "unknown operator '&' (and is '&&')");
                    }
                    tokens.add(new Token(Kind.AND, null, start));
                    i += 2;
                }
                case '|' -> {
                    if (!input.startsWith("||", i)) {
                        throw error(input, start, "unknown operator '|' (or is '||')");
                    }
                    tokens.add(new Token(Kind.OR, null, start));
                    i += 2;
                }
                default -> {
                    if (afterLabel) {
                        i = operator(input, i, tokens);
                    } else if (input.startsWith("has(", i)) {
                        i = has(input, i, tokens);
                    } else if (input.startsWith("all(", i) || input.startsWith("global(", i)) {
                        boolean all = input.startsWith("all(", i);
                        int close = skipBlanks(input, i + (all ? 4 : 7));
                        if (close == input.length() || input.charAt(close) != ')') {
                            throw error(input, close, "expected ')' after '" + (all ? "all(" : "global(") + "'");
                        }
                        tokens.add(new Token(all ? Kind.ALL : Kind.GLOBAL, null, start));
                        i = close + 1;
                    } else {
                        int end = keyEnd(input, i);
                        if (end == i) {
                            throw error(input, start, "unexpected character " + character(input, i));
                        }
                        tokens.add(new Token(Kind.LABEL, input.substring(i, end), start));
                        i = end;
                    }
                }
            }
        }
    }

    /**
     * The word operators that may follow a label, matched as Calico matches them: by prefix, and "starts with",
     * "ends with" and "not in" with or without blanks between their words. Unlike Calico, the operator must end at a
     * character that cannot continue a key: this refuses nothing Calico's parser accepts (a string or '{' must
     * follow) and lets the error name the word that is not an operator.
     */
    private static int operator(String input, int i, List<Token> tokens) {
        Kind kind = null;
        int after = i;
        if (input.startsWith("contains", i)) {
            kind = Kind.CONTAINS;
            after = i + "contains".length();
        } else if (input.startsWith("in", i)) {
            kind = Kind.IN;
            after = i + "in".length();
        } else {
            for (String[] words : new String[][] {{"starts", "with"}, {"ends", "with"}, {"not", "in"}}) {
                if (input.startsWith(words[0], i)) {
                    int second = skipBlanks(input, i + words[0].length());
                    if (input.startsWith(words[1], second)) {
                        kind = words[0].equals("not") ? Kind.NOT_IN
                                : words[0].equals("starts") ? Kind.STARTS_WITH : Kind.ENDS_WITH;
                        after = second + words[1].length();
                    }
                }
            }
        }
        if (kind == null || keyEnd(input, after) != after) {
            int end = Math.max(keyEnd(input, i), i + 1);
            throw error(input, i, "expected an operator (==, !=, in, not in, contains, starts with, ends with) after "
                    + "label '" + tokens.getLast().text + "', found '" + input.substring(i, end) + "'");
        }
        tokens.add(new Token(kind, null, i));
        return after;
    }

    private static int has(String input, int start, List<Token> tokens) {
        int keyStart = skipBlanks(input, start + 4);
        int keyEnd = keyEnd(input, keyStart);
        if (keyEnd == keyStart) {
            throw error(input, keyStart, "expected a label key in has(), found "
                    + (keyStart == input.length() ? "the end of the selector" : character(input, keyStart)));
        }
        int close = skipBlanks(input, keyEnd);
        if (close == input.length() || input.charAt(close) != ')') {
            throw error(input, close, "expected ')' after has(" + input.substring(keyStart, keyEnd) + ", found "
                    + (close == input.length() ? "the end of the selector" : character(input, close)));
        }
        tokens.add(new Token(Kind.HAS, input.substring(keyStart, keyEnd), start));
        return close + 1;
    }

    private static int skipBlanks(String input, int i) {
        while (i < input.length() && (input.charAt(i) == ' ' || input.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int keyEnd(String input, int i) {
        while (i < input.length() && SelectorText.isKeyChar(input.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String character(String input, int i) {
        return "'" + new String(Character.toChars(input.codePointAt(i))) + "'";
    }
}
