package org.jcalico.cli;

import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;

/** Parses command-line values, naming the argument in the error. */
final class CliValues {
    private CliValues() {
    }

    static Cidr cidr(String argument, String text) {
        try {
            return Cidr.parse(text);
        } catch (ValidationException e) {
            throw new ValidationException(argument + ": " + e.getMessage());
        }
    }

    static IpAddress address(String argument, String text) {
        try {
            return IpAddress.parse(text);
        } catch (ValidationException e) {
            throw new ValidationException(argument + ": " + e.getMessage());
        }
    }

    /** ADDRESS:PORT or [IPV6]:PORT, the address an IP literal: where to listen must not depend on name lookups. */
    static java.net.InetSocketAddress listenAddress(String argument, String text) {
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        IpAddress address = IpAddress.parseOrNull(host);
        if (address == null || host.contains(":") && !text.startsWith("[")) {
            throw ValidationException.field(argument, text, "is not ADDRESS:PORT with an IP address ([ADDRESS]:PORT for IPv6)");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw ValidationException.field(argument, text, "has no port 1-65535");
        }
        return new java.net.InetSocketAddress(host, port); // a literal: no lookup
    }
}
