package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Ports, port ranges and named ports, as Calico writes them: a list {@code [80, "8000:8080", "http"]}; jcalico's
 * earlier string form "80,443,8000:8080" ("8000-8080" too) reads the same. A named port means the port each
 * endpoint the rule matches declares under that name. At most 15 numeric ports, a range counting as two, because
 * that is what one kernel multiport match holds.
 */
public record Ports(List<PortRange> ranges, List<String> names) {
    public static final int MAX_SLOTS = 15;
    /** An IANA service name, as Kubernetes and Calico take a port name. */
    private static final Pattern NAME = Pattern.compile("(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

    public Ports {
        ranges = List.copyOf(ranges);
        names = List.copyOf(names);
        if (ranges.isEmpty() && names.isEmpty()) {
            throw new ValidationException("ports: empty");
        }
    }

    @JsonCreator
    public static Ports parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw ValidationException.field("ports", spec, "is empty");
        }
        return of(List.of(spec.split(",", -1)), spec);
    }

    /** Calico's list form; each item a number, a range "first:last" or a name. */
    @JsonCreator
    public static Ports parse(List<Object> items) {
        if (items == null || items.isEmpty()) {
            throw new ValidationException("ports: empty");
        }
        List<String> texts = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof String) && !(item instanceof Integer)) {
                throw ValidationException.field("ports", item, "is not a port, a range or a name");
            }
            texts.add(item.toString());
        }
        return of(texts, String.join(",", texts));
    }

    /** A single port written as a bare number ({@code ports: 80} in YAML). */
    @JsonCreator
    public static Ports of(int port) {
        return parse(Integer.toString(port));
    }

    private static Ports of(List<String> items, String spec) {
        List<PortRange> ranges = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int slots = 0;
        for (String raw : items) {
            String item = raw.trim();
            if (NAME.matcher(item).matches()) {
                if (!names.contains(item)) {
                    names.add(item);
                }
                continue;
            }
            String[] ends = item.split("[:-]", -1);
            if (ends.length > 2) {
                throw malformed(spec);
            }
            int first = port(ends[0], spec);
            int last = ends.length == 2 ? port(ends[1], spec) : first;
            if (first > last) {
                throw ValidationException.field("ports", spec, "has a range that ends before it starts");
            }
            ranges.add(new PortRange(first, last));
            slots += first == last ? 1 : 2;
        }
        if (slots > MAX_SLOTS) {
            throw ValidationException.field("ports", spec, "has more than " + MAX_SLOTS + " ports (a range counts as 2)");
        }
        return new Ports(ranges, names);
    }

    private static int port(String text, String spec) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed(spec);
        }
        int value = Integer.parseInt(text);
        if (value > 65535) {
            throw ValidationException.field("ports", spec, "has port " + value + " above 65535");
        }
        return value;
    }

    private static ValidationException malformed(String spec) {
        return new ValidationException("ports: '" + spec
                + "' is not a valid port list (expected numbers, ranges first:last or port names, e.g. [80, \"8000:8080\", http])");
    }

    /** Calico's list form: numbers for single ports, "first:last" for ranges, then names. */
    @JsonValue
    public List<Object> items() {
        List<Object> items = new ArrayList<>();
        for (PortRange range : ranges) {
            items.add(range.isSingle() ? (Object) range.first() : range.toString());
        }
        items.addAll(names);
        return items;
    }

    /** The numeric ports as one multiport list, e.g. "80,443,8000:8080". */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        ranges.forEach(range -> parts.add(range.toString()));
        parts.addAll(names);
        return String.join(",", parts);
    }
}
