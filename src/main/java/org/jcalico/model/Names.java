package org.jcalico.model;

import java.util.regex.Pattern;

/** The one rule for names of profiles, tags, nodes and labels, so that they are safe in keys, ipset and chain names. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private Names() {
    }

    public static String check(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw ValidationException.field(field, value,
                    "is not a valid name (letters, digits, '_', '.', '-'; up to 63 characters; starts with a letter or digit)");
        }
        return value;
    }
}
