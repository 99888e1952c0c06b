package org.jcalico.model;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Kubernetes' rules for labels, which Calico's selectors assume: a key is an optional DNS-subdomain prefix and '/',
 * then a name of 1-63 characters, letters or digits at both ends and '-', '_', '.' inside; a value is empty or such
 * a name. Everything they allow is plain ASCII, so a label can reach a command line or a comment unescaped.
 */
public final class LabelRules {
    /** RFC 1123 as Kubernetes checks it: only the whole is limited in length, not each part. */
    private static final int MAX_PREFIX = 253;
    private static final int MAX_NAME = 63;
    /** The prefix under which an endpoint carries its namespace's labels (Calico's). */
    public static final String NAMESPACE_PREFIX = "pcns.";
    private static final String SYSTEM_PREFIX = "projectcalico.org/";

    private LabelRules() {
    }

    /** The labels as a sorted, unmodifiable map; absent means none. */
    public static SortedMap<String, String> check(String field, Map<String, String> labels) {
        if (labels == null) {
            return Collections.emptySortedMap();
        }
        TreeMap<String, String> copy = new TreeMap<>();
        labels.forEach((key, value) -> copy.put(checkKey(field, key), checkValue(field + "." + key, value)));
        return Collections.unmodifiableSortedMap(copy);
    }

    /**
     * The labels an endpoint or a network set carries itself: as {@link #check}, and none under the keys jcalico sets
     * (its namespace's labels under "pcns.", "projectcalico.org/..."), so that nothing can claim to be in a namespace
     * it is not in, or match a namespaceSelector its namespace does not.
     */
    public static SortedMap<String, String> checkOwn(String field, Map<String, String> labels) {
        SortedMap<String, String> checked = check(field, labels);
        for (String key : checked.keySet()) {
            if (key.startsWith(NAMESPACE_PREFIX) || key.startsWith(SYSTEM_PREFIX)) {
                throw ValidationException.field(field, key, "is reserved: jcalico sets the keys starting with '"
                        + NAMESPACE_PREFIX + "' and '" + SYSTEM_PREFIX + "' itself");
            }
        }
        return checked;
    }

    public static boolean isKey(String key) {
        try {
            checkKey("label", key);
            return true;
        } catch (ValidationException e) {
            return false;
        }
    }

    public static boolean isValue(String value) {
        return value != null && (value.isEmpty() || isName(value));
    }

    public static String checkKey(String field, String key) {
        if (key == null) {
            throw new ValidationException(field + ": a key is missing");
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0 && !isDnsSubdomain(key.substring(0, slash))) {
            throw ValidationException.field(field, key, "is not a valid label key: its prefix before '/' must be a "
                    + "lower-case DNS subdomain of up to " + MAX_PREFIX + " characters");
        }
        if (!isName(name)) {
            throw ValidationException.field(field, key, "is not a valid label key (an optional DNS-subdomain prefix "
                    + "and '/', then 1-63 characters: letters, digits, '-', '_', '.', a letter or digit at both ends)");
        }
        return key;
    }

    public static String checkValue(String field, String value) {
        if (value == null) {
            throw new ValidationException(field + ": missing");
        }
        if (!isValue(value)) {
            throw ValidationException.field(field, value, "is not a valid label value (empty, or up to 63 characters:"
                    + " letters, digits, '-', '_', '.', a letter or digit at both ends)");
        }
        return value;
    }

    /** A lower-case DNS label (RFC 1123) of up to 63 characters, as Kubernetes names namespaces. */
    public static boolean isDnsLabel(String text) {
        return text != null && AsciiNames.isDnsLabel(text, 0, text.length(), MAX_NAME);
    }

    private static boolean isDnsSubdomain(String text) {
        return text.length() <= MAX_PREFIX && AsciiNames.isDnsSubdomain(text);
    }

    private static boolean isName(String text) {
        return AsciiNames.isName(text, MAX_NAME, false, true);
    }
}
