package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of ports and port ranges, written "80,443,8000:8080" ("8000-8080" is accepted too). At most 15 ports,
 * a range counting as two, because that is what one kernel multiport match holds.
 */
public record Ports(List<PortRange> ranges) {
    public static final int MAX_SLOTS = 15;

    public Ports {
        ranges = List.copyOf(ranges);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("empty port list");
        }
    }

    @JsonCreator
    public static Ports parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ValidationException("ports: '" + spec + "' is empty");
        }
        List<PortRange> ranges = new ArrayList<>();
        int slots = 0;
        for (String item : spec.split(",", -1)) {
            String[] ends = item.trim().split("[:-]", -1);
            if (ends.length > 2) {
                throw malformed(spec);
            }
            int first = port(ends[0], spec);
            int last = ends.length == 2 ? port(ends[1], spec) : first;
            if (first > last) {
                throw new ValidationException("ports: '" + spec + "' has a range that ends before it starts");
            }
            ranges.add(new PortRange(first, last));
            slots += first == last ? 1 : 2;
        }
        if (slots > MAX_SLOTS) {
            throw new ValidationException("ports: '" + spec + "' has more than " + MAX_SLOTS + " ports (a range counts as 2)");
        }
        return new Ports(ranges);
    }

    /** A single port written as a bare number ({@code ports: 80} in YAML). */
    @JsonCreator
    public static Ports of(int port) {
        return parse(Integer.toString(port));
    }

    private static int port(String text, String spec) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed(spec);
        }
        int value = Integer.parseInt(text);
        if (value > 65535) {
            throw new ValidationException("ports: '" + spec + "' has port " + value + " above 65535");
        }
        return value;
    }

    private static ValidationException malformed(String spec) {
        return new ValidationException("ports: '" + spec + "' is not a valid port list (expected e.g. 80,443,8000:8080)");
    }

    @JsonValue
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (PortRange range : ranges) {
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(range);
        }
        return out.toString();
    }
}
