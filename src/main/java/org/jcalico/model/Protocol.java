package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;

/**
 * An IP protocol by name (tcp, udp, icmp, icmpv6, sctp) or number (0-255, ASCII digits); known numbers become names
 * and other numbers their canonical decimal form, so that what iptables is given is what it parses.
 */
public record Protocol(String name) {
    private static final Map<String, String> BY_NUMBER = Map.of("6", "tcp", "17", "udp", "1", "icmp", "58", "icmpv6", "132", "sctp");
    /** Protocol 0 in a rule means "any protocol" to iptables. */
    public static final String ANY = "0";

    public Protocol {
        if (!BY_NUMBER.containsValue(name) && !isCanonicalNumber(name)) {
            throw ValidationException.field("protocol", name, "is not one of tcp, udp, icmp, icmpv6, sctp or a number 0-255");
        }
    }

    @JsonCreator
    public static Protocol parse(String text) {
        String lower = text == null ? "" : text.toLowerCase(java.util.Locale.ROOT);
        if (isAsciiNumber(lower)) {
            lower = Integer.toString(Integer.parseInt(lower));
        }
        return new Protocol(BY_NUMBER.getOrDefault(lower, lower));
    }

    /** A protocol written as a bare number ({@code protocol: 6} in YAML). */
    @JsonCreator
    public static Protocol of(int number) {
        return parse(Integer.toString(number));
    }

    public boolean hasPorts() {
        return name.equals("tcp") || name.equals("udp") || name.equals("sctp");
    }

    public boolean isIcmp() {
        return name.equals("icmp") || name.equals("icmpv6");
    }

    public boolean isAny() {
        return name.equals(ANY);
    }

    /** The only IP version this protocol exists in, or 0 for both. */
    public int onlyVersion() {
        return switch (name) {
            case "icmp" -> 4;
            case "icmpv6" -> 6;
            default -> 0;
        };
    }

    /** 1-3 ASCII digits: Character.isDigit would also take other scripts' digits, which iptables does not. */
    private static boolean isAsciiNumber(String text) {
        return text != null && !text.isEmpty() && text.length() <= 3 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean isCanonicalNumber(String text) {
        return isAsciiNumber(text) && Integer.parseInt(text) <= 255 && Integer.toString(Integer.parseInt(text)).equals(text);
    }

    /** How Calico's API writes it (TCP, UDP, ICMP, ICMPv6, SCTP, or the number), used in files; reads back the same. */
    @JsonValue
    public Object calicoName() {
        return switch (name) {
            case "icmpv6" -> "ICMPv6";
            case "tcp", "udp", "icmp", "sctp" -> name.toUpperCase(java.util.Locale.ROOT);
            default -> Integer.valueOf(name);
        };
    }

    /** The name iptables takes. */
    @Override
    public String toString() {
        return name;
    }
}
