package org.jcalico.util;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * How a message shows text it did not write: a caller's value, a list of a caller's names, or a message holding them.
 * A refusal names the input that was wrong, but must stay one line of bounded length whatever the caller sent (a
 * docker request with 40,000 options, a label value of a megabyte, an environment variable holding escape
 * sequences): control, format and line-separator characters are written out, values are cut after
 * {@link #MAX_CHARACTERS} characters and lists after {@link #MAX_NAMES} names, each saying how much more there was.
 */
public final class Shown {
    /** Enough to recognise a name, an address or a path; the longest names jcalico accepts (63) are shown whole. */
    public static final int MAX_CHARACTERS = 80;
    public static final int MAX_NAMES = 5;
    public static final int MAX_MESSAGE = 400;

    private Shown() {
    }

    /** The value escaped, cut after {@link #MAX_CHARACTERS} characters ("..." and how many more). */
    public static String value(Object value) {
        return cut(String.valueOf(value), MAX_CHARACTERS);
    }

    /**
     * A message written by another component around a caller's input (picocli's "Unknown option: '...'"), where the
     * value cannot be cut by itself: escaped, cut after {@link #MAX_MESSAGE} characters.
     */
    public static String message(String text) {
        return cut(text, MAX_MESSAGE);
    }

    /** The names in their order, each as by {@link #value}, at most {@link #MAX_NAMES} of them ("and N more"). */
    public static String names(Collection<?> names) {
        String shown = names.stream().limit(MAX_NAMES).map(Shown::value).collect(Collectors.joining(", "));
        return names.size() > MAX_NAMES ? shown + " and " + (names.size() - MAX_NAMES) + " more" : shown;
    }

    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return escaped(text);
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return escaped(text.substring(0, end)) + "... (" + (text.length() - end) + " more characters)";
    }

    /** The text whole, its control, format and separator characters written out (\n, \t, \x1b, \u202e ...). */
    public static String escaped(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    int type = Character.getType(c);
                    if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                            || type == Character.PARAGRAPH_SEPARATOR) {
                        out.append(String.format(c > 0xff ? "\\u%04x" : "\\x%02x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.toString();
    }
}
