package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;

/** An IP protocol by name (tcp, udp, icmp, icmpv6, sctp) or number (0-255); known numbers become names. */
public record Protocol(String name) {
    private static final Map<String, String> BY_NUMBER = Map.of("6", "tcp", "17", "udp", "1", "icmp", "58", "icmpv6", "132", "sctp");

    public Protocol {
        if (!BY_NUMBER.containsValue(name) && !isNumber(name)) {
            throw new ValidationException("protocol: '" + name + "' is not one of tcp, udp, icmp, icmpv6, sctp or a number 0-255");
        }
    }

    @JsonCreator
    public static Protocol parse(String text) {
        String lower = text == null ? "" : text.toLowerCase(java.util.Locale.ROOT);
        return new Protocol(BY_NUMBER.getOrDefault(lower, lower));
    }

    public boolean hasPorts() {
        return name.equals("tcp") || name.equals("udp") || name.equals("sctp");
    }

    public boolean isIcmp() {
        return name.equals("icmp") || name.equals("icmpv6");
    }

    /** The only IP version this protocol exists in, or 0 for both. */
    public int onlyVersion() {
        return switch (name) {
            case "icmp" -> 4;
            case "icmpv6" -> 6;
            default -> 0;
        };
    }

    private static boolean isNumber(String text) {
        if (text == null || text.isEmpty() || text.length() > 3 || !text.chars().allMatch(Character::isDigit)) {
            return false;
        }
        return Integer.parseInt(text) <= 255;
    }

    @JsonValue
    @Override
    public String toString() {
        return name;
    }
}
