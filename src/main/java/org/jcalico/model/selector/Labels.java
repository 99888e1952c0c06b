package org.jcalico.model.selector;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jcalico.model.ValidationException;

/**
 * Label keys and values as Kubernetes and Calico accept them: a key is an optional prefix (a lower-case DNS subdomain
 * of at most 253 characters) and '/', then a name; a name and a non-empty value are 1-63 letters, digits, '-', '_'
 * and '.', starting and ending with a letter or digit.
 */
public final class Labels {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final int MAX_PREFIX = 253;

    private Labels() {
    }

    /** The labels, checked, as an unmodifiable map sorted by key; null is no labels. */
    public static Map<String, String> check(String field, Map<String, String> labels) {
        if (labels == null) {
            return Map.of();
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.forEach((key, value) -> {
            if (key == null || !isKey(key)) {
                throw ValidationException.field(field, key, "is not a valid label key (an optional lower-case DNS "
                        + "subdomain and '/', then 1-63 letters, digits, '-', '_' or '.', starting and ending with a "
                        + "letter or digit)");
            }
            if (value == null) {
                throw new ValidationException(field + "." + key + ": missing value (use '' for an empty one)");
            }
            if (!isValue(value)) {
                throw ValidationException.field(field + "." + key, value, "is not a valid label value (empty, or 1-63 "
                        + "letters, digits, '-', '_' or '.', starting and ending with a letter or digit)");
            }
            sorted.put(key, value);
        });
        return Collections.unmodifiableMap(sorted);
    }

    public static boolean isKey(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) {
            return NAME.matcher(key).matches();
        }
        String prefix = key.substring(0, slash);
        return prefix.length() <= MAX_PREFIX && DNS_SUBDOMAIN.matcher(prefix).matches()
                && NAME.matcher(key.substring(slash + 1)).matches();
    }

    public static boolean isValue(String value) {
        return value.isEmpty() || NAME.matcher(value).matches();
    }
}
