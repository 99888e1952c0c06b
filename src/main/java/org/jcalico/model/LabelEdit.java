package org.jcalico.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One change to a set of labels, as kubectl label writes it: KEY=VALUE sets the label, KEY- removes it. No valid
 * key ends in '-', so the two forms never overlap.
 */
public record LabelEdit(String key, String value) {
    public LabelEdit {
        LabelRules.checkKey("label", key);
        if (value != null) {
            LabelRules.checkValue("label " + key, value);
        }
    }

    public boolean removes() {
        return value == null;
    }

    public static LabelEdit parse(String text) {
        int equals = text.indexOf('=');
        if (equals >= 0) {
            return new LabelEdit(text.substring(0, equals), text.substring(equals + 1));
        }
        if (text.endsWith("-")) {
            return new LabelEdit(text.substring(0, text.length() - 1), null);
        }
        throw ValidationException.field("label", text, "is neither KEY=VALUE (set) nor KEY- (remove)");
    }

    /** Edits as given on a command line; a key edited twice is refused, since it is unclear which edit wins. */
    public static List<LabelEdit> parseAll(List<String> texts) {
        List<LabelEdit> edits = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (String text : texts) {
            LabelEdit edit = parse(text);
            if (!keys.add(edit.key())) {
                throw ValidationException.field("label", edit.key(), "is given twice");
            }
            edits.add(edit);
        }
        return edits;
    }

    /** Labels given as KEY=VALUE, each key once. */
    public static SortedMap<String, String> assignments(List<String> texts) {
        SortedMap<String, String> labels = new TreeMap<>();
        for (LabelEdit edit : parseAll(texts)) {
            if (edit.removes()) {
                throw ValidationException.field("label", edit.key() + "-", "is not KEY=VALUE");
            }
            labels.put(edit.key(), edit.value());
        }
        return Collections.unmodifiableSortedMap(labels);
    }

    /** LABELS with EDITS made, in key order. */
    public static SortedMap<String, String> apply(Map<String, String> labels, List<LabelEdit> edits) {
        SortedMap<String, String> edited = new TreeMap<>(labels);
        for (LabelEdit edit : edits) {
            if (edit.removes()) {
                edited.remove(edit.key());
            } else {
                edited.put(edit.key(), edit.value());
            }
        }
        return Collections.unmodifiableSortedMap(edited);
    }

    private static String shown(String value) {
        return value.isEmpty() ? "''" : value;
    }

    /** What changed from BEFORE to AFTER, one phrase per key: "set k=v", "k: a -> b", "removed k (was v)". */
    public static List<String> changes(Map<String, String> before, Map<String, String> after) {
        SortedMap<String, String> keys = new TreeMap<>(before);
        keys.putAll(after);
        List<String> changes = new ArrayList<>();
        for (String key : keys.keySet()) {
            String was = before.get(key);
            String now = after.get(key);
            if (was == null) {
                changes.add("set " + key + "=" + shown(now));
            } else if (now == null) {
                changes.add("removed " + key + " (was " + shown(was) + ")");
            } else if (!was.equals(now)) {
                changes.add(key + ": " + shown(was) + " -> " + shown(now));
            }
        }
        return changes;
    }
}
