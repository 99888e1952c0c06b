package org.jcalico.model.selector;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jcalico.model.ValidationException;

/** The lexical rules and spellings that the parser and the selector records share. */
final class SelectorText {
    private SelectorText() {
    }

    /** The characters Calico's tokenizer takes into a label key. */
    static boolean isKeyChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '_' || c == '.' || c == '/' || c == '-';
    }

    static boolean isKey(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!isKeyChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static void checkKey(String key) {
        if (key == null || !isKey(key)) {
            throw ValidationException.field("selector", key, "is not a label key a selector can name (letters, digits, '_', '.', '/', '-')");
        }
    }

    static void checkValue(String value) {
        if (value == null) {
            throw new ValidationException("selector: missing value");
        }
        if (value.indexOf('"') >= 0 && value.indexOf('\'') >= 0) {
            throw new ValidationException("selector: value " + value
                    + " has both quote characters, so no selector text can hold it");
        }
    }

    /** Double quotes unless the value holds one: selector strings have no escapes. */
    static String quote(String value) {
        return value.indexOf('"') >= 0 ? "'" + value + "'" : "\"" + value + "\"";
    }

    /** A set literal's values as Calico holds them: sorted, without duplicates. */
    static List<String> set(List<String> values) {
        if (values == null) {
            throw new ValidationException("selector: missing set of values");
        }
        values.forEach(SelectorText::checkValue);
        return values.stream().distinct().sorted().toList();
    }

    static String setLiteral(List<String> values) {
        return values.stream().map(SelectorText::quote).collect(Collectors.joining(", ", "{", "}"));
    }

    /** The operands of an n-ary operator, with operands of the same operator spliced in (it is associative). */
    static <T extends Selector> List<Selector> flatten(List<Selector> operands, Class<T> kind,
                                                        Function<T, List<Selector>> parts) {
        if (operands == null) {
            throw new IllegalArgumentException(kind.getSimpleName() + " needs operands");
        }
        List<Selector> flat = new ArrayList<>();
        for (Selector operand : operands) {
            if (operand == null) {
                throw new IllegalArgumentException(kind.getSimpleName() + " has a null operand");
            }
            if (kind.isInstance(operand)) {
                flat.addAll(parts.apply(kind.cast(operand)));
            } else {
                flat.add(operand);
            }
        }
        if (flat.size() < 2) {
            throw new IllegalArgumentException(kind.getSimpleName() + " needs at least two operands");
        }
        return List.copyOf(flat);
    }
}
