package org.jcalico.felix.calc;

import java.util.Objects;
import org.jcalico.model.Protocol;
import org.jcalico.model.selector.Selector;

/**
 * One selector ipset that a local rule matches: the members of an effective selector (already scoped to its
 * namespace, docs/policy.md), of one IP family. Without a port name it is a {@code hash:net} set of the addresses of
 * every endpoint in the cluster whose effective labels the selector matches, and the nets of every network set it
 * matches; with one (a named port), a {@code hash:ip,port} set of (address, protocol, port) of every matching endpoint
 * that declares that port name for that protocol. Two rules with the same effective selector share one set. The
 * selector is the effective one (selectors compare by structure, and their text is canonical); the protocol and port
 * name are a named port's, null otherwise.
 *
 * <p>A key is compared and hashed on every calculation (the sets local rules need against the sets kept), and a
 * selector's hash walks its whole tree, so the hash is worked out once; likewise the name, a hash of the selector's
 * text.
 */
public final class SetKey {
    private final Selector selector;
    private final int version;
    private final Protocol protocol;
    private final String portName;
    private final int hash;
    /** Worked out when first asked (a race makes the same string twice, no harm). */
    private String name;

    public SetKey(Selector selector, int version, Protocol protocol, String portName) {
        if (selector == null || version != 4 && version != 6) {
            throw new IllegalArgumentException("a set key needs a selector and IP version 4 or 6");
        }
        if ((protocol == null) != (portName == null)) {
            throw new IllegalArgumentException("a named-port set key needs both a protocol and a port name");
        }
        this.selector = selector;
        this.version = version;
        this.protocol = protocol;
        this.portName = portName;
        this.hash = Objects.hash(selector, version, protocol, portName);
    }

    public static SetKey of(Selector selector, int version) {
        return new SetKey(selector, version, null, null);
    }

    public static SetKey namedPort(Selector selector, Protocol protocol, String portName, int version) {
        return new SetKey(selector, version, protocol, portName);
    }

    public Selector selector() {
        return selector;
    }

    public int version() {
        return version;
    }

    public Protocol protocol() {
        return protocol;
    }

    public String portName() {
        return portName;
    }

    public boolean isNamedPort() {
        return portName != null;
    }

    /** The ipset's name, as rules match it. */
    public String name() {
        if (name == null) {
            name = isNamedPort() ? DataplaneNames.namedPortSet(selector.toString(), protocol, portName, version)
                    : DataplaneNames.selectorSet(selector.toString(), version);
        }
        return name;
    }

    @Override
    public boolean equals(Object other) {
        return other == this || other instanceof SetKey key && key.hash == hash && key.version == version
                && key.selector.equals(selector) && Objects.equals(key.protocol, protocol)
                && Objects.equals(key.portName, portName);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "SetKey[selector=" + selector + ", version=" + version + ", protocol=" + protocol + ", portName="
                + portName + "]";
    }
}
