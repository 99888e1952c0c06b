package org.jcalico.model;

/**
 * The one rule for names of profiles, tags, nodes and labels, so that they are safe in keys, ipset and chain names;
 * and the one rule for free text (ids, label values), so that no value can break a command line, a batch file or an
 * iptables comment it may reach.
 */
public final class Names {
    public static final int MAX_TEXT = 1024;

    private Names() {
    }

    public static String check(String field, String value) {
        if (value == null) {
            throw new ValidationException(field + ": missing");
        }
        if (!AsciiNames.isName(value, 63, false, false)) {
            throw ValidationException.field(field, value,
                    "is not a valid name (letters, digits, '_', '.', '-'; up to 63 characters; starts with a letter or digit)");
        }
        return value;
    }

    /**
     * Free text: at most {@link #MAX_TEXT} characters, none of them a control, format (such as a bidi override) or
     * line-separator character, and no unpaired surrogate.
     */
    public static String checkText(String field, String value) {
        if (value == null) {
            return null;
        }
        if (value.length() > MAX_TEXT) {
            throw ValidationException.field(field, value, "is longer than "
                    + MAX_TEXT + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (!isPlain(value, i)) {
                throw ValidationException.field(field, value, "contains the control or invisible character U+"
                        + String.format("%04X", (int) value.charAt(i)));
            }
        }
        return value;
    }

    /** Whether the character at i is one that {@link #checkText} accepts. */
    public static boolean isPlain(String value, int i) {
        char c = value.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.UNASSIGNED, Character.PRIVATE_USE -> false;
            default -> true;
        };
    }
}
