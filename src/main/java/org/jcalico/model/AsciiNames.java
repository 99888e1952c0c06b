package org.jcalico.model;

/**
 * The character rules of names (jcalico's names, interface names, label names, DNS labels, MACs), checked a character
 * at a time. They were regular expressions: an agent's listing checks each of a cluster's endpoints against five of
 * them; without java.util.regex the decoding of 100,000 endpoint values takes a quarter less CPU in a fresh JVM, a
 * third less once compiled (docs/agent.md, "Start-up of the agent"). Each method accepts exactly what its expression, named in its comment,
 * accepted (AsciiNamesTest holds each to it); letters are ASCII only, as in those expressions.
 */
final class AsciiNames {
    private AsciiNames() {
    }

    /**
     * 1 to MAX characters: letters, digits, '_', '.', '-'; the first a letter or digit (or '_' where UNDERSCORE_FIRST),
     * the last a letter or digit where ALNUM_LAST. [A-Za-z0-9][A-Za-z0-9_.-]{0,MAX-1} (Names), with '_' first
     * [A-Za-z0-9_][A-Za-z0-9_.-]{0,MAX-1} (interface names), with ALNUM_LAST [A-Za-z0-9]([-A-Za-z0-9_.]{0,MAX-2}[A-Za-z0-9])?
     * (label names).
     */
    static boolean isName(String text, int max, boolean underscoreFirst, boolean alnumLast) {
        int length = text.length();
        if (length == 0 || length > max) {
            return false;
        }
        char first = text.charAt(0);
        if (!isLetterOrDigit(first) && !(underscoreFirst && first == '_')) {
            return false;
        }
        for (int i = 1; i < length; i++) {
            char c = text.charAt(i);
            boolean inside = isLetterOrDigit(c) || c == '_' || c == '.' || c == '-';
            if (!inside || alnumLast && i == length - 1 && !isLetterOrDigit(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * TEXT[FROM, TO) is a DNS label of at most MAX characters: lower-case letters, digits, '-', a letter or digit at
     * both ends; [a-z0-9]([-a-z0-9]{0,MAX-2}[a-z0-9])? (MAX 63), [a-z0-9]([-a-z0-9]*[a-z0-9])? (MAX unbounded).
     */
    static boolean isDnsLabel(String text, int from, int to, int max) {
        int length = to - from;
        if (length == 0 || length > max || !isLowerOrDigit(text.charAt(from)) || !isLowerOrDigit(text.charAt(to - 1))) {
            return false;
        }
        for (int i = from + 1; i < to - 1; i++) {
            char c = text.charAt(i);
            if (!isLowerOrDigit(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** DNS labels of any length joined by '.': [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* */
    static boolean isDnsSubdomain(String text) {
        int from = 0;
        while (true) {
            int dot = text.indexOf('.', from);
            int to = dot < 0 ? text.length() : dot;
            if (!isDnsLabel(text, from, to, Integer.MAX_VALUE)) {
                return false;
            }
            if (dot < 0) {
                return true;
            }
            from = dot + 1;
        }
    }

    /** Six pairs of lower-case hex digits joined by ':': ([0-9a-f]{2}:){5}[0-9a-f]{2} */
    static boolean isMac(String text) {
        if (text.length() != 17) {
            return false;
        }
        for (int i = 0; i < 17; i++) {
            char c = text.charAt(i);
            if (i % 3 == 2 ? c != ':' : !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    private static boolean isLowerOrDigit(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }
}
