package org.jcalico.model;

import java.util.regex.Pattern;

/**
 * A port an endpoint declares under a name, as Calico's WorkloadEndpoint spec.ports: a rule's named port matches
 * the endpoints that declare that name for the rule's protocol, each on its own number.
 */
public record EndpointPort(String name, Protocol protocol, int port) {
    /** An IANA service name (RFC 6335), as Kubernetes takes for a container port's name. */
    private static final Pattern SERVICE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");

    public EndpointPort {
        if (name == null) {
            throw new ValidationException("ports.name: missing");
        }
        if (!SERVICE_NAME.matcher(name).matches() || name.contains("--") || name.chars().noneMatch(Character::isLetter)) {
            throw ValidationException.field("ports.name", name, "is not a valid port name (1-15 lower-case letters,"
                    + " digits and '-', at least one letter, no '--', a letter or digit at both ends)");
        }
        if (protocol == null) {
            throw new ValidationException("ports." + name + ".protocol: missing");
        }
        if (!protocol.hasPorts()) {
            throw ValidationException.field("ports." + name + ".protocol", protocol, "is not one of tcp, udp, sctp");
        }
        if (port < 1 || port > 65535) {
            throw ValidationException.field("ports." + name + ".port", port, "is not a port number 1-65535");
        }
    }

    /** NAME=PROTO/N, as a command line writes it (and as {@link #toString()} prints it). */
    public static EndpointPort parse(String text) {
        int equals = text.indexOf('=');
        int slash = text.indexOf('/', equals + 1);
        if (equals < 0 || slash < 0) {
            throw ValidationException.field("port", text, "is not NAME=PROTO/N");
        }
        String number = text.substring(slash + 1);
        if (number.isEmpty() || number.length() > 5 || !number.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ValidationException.field("port", text, "is not NAME=PROTO/N (N a port number 1-65535)");
        }
        return new EndpointPort(text.substring(0, equals), Protocol.parse(text.substring(equals + 1, slash)),
                Integer.parseInt(number));
    }

    @Override
    public String toString() {
        return name + "=" + protocol + "/" + port;
    }

    /**
     * Written out, as is hashCode: a record's own are bootstrapped at their first call (method handles made at run
     * time, which the start-up cache does not keep), and decoding an endpoint interns its ports, which hashes them.
     * The protocol is compared by its one component, its name, for the same reason.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof EndpointPort that && name.equals(that.name)
                && protocol.name().equals(that.protocol.name()) && port == that.port;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + protocol.name().hashCode()) * 31 + port;
    }
}
