package org.jcalico.felix.calc;

import org.jcalico.model.Protocol;
import org.jcalico.model.selector.Selector;

/**
 * One selector ipset that a local rule matches: the members of an effective selector (already scoped to its
 * namespace, docs/policy.md), of one IP family. Without a port name it is a {@code hash:net} set of the addresses of
 * every endpoint in the cluster whose effective labels the selector matches, and the nets of every network set it
 * matches; with one (a named port), a {@code hash:ip,port} set of (address, protocol, port) of every matching endpoint
 * that declares that port name for that protocol. Two rules with the same effective selector share one set.
 *
 * @param selector the effective selector; records compare by structure, and its text is canonical
 * @param protocol the rule's protocol, for a named-port set; null otherwise
 * @param portName the port name, for a named-port set; null otherwise
 */
public record SetKey(Selector selector, int version, Protocol protocol, String portName) {
    public SetKey {
        if (selector == null || version != 4 && version != 6) {
            throw new IllegalArgumentException("a set key needs a selector and IP version 4 or 6");
        }
        if ((protocol == null) != (portName == null)) {
            throw new IllegalArgumentException("a named-port set key needs both a protocol and a port name");
        }
    }

    public static SetKey of(Selector selector, int version) {
        return new SetKey(selector, version, null, null);
    }

    public static SetKey namedPort(Selector selector, Protocol protocol, String portName, int version) {
        return new SetKey(selector, version, protocol, portName);
    }

    public boolean isNamedPort() {
        return portName != null;
    }

    /** The ipset's name, as rules match it. */
    public String name() {
        return isNamedPort() ? DataplaneNames.namedPortSet(selector.toString(), protocol, portName, version)
                : DataplaneNames.selectorSet(selector.toString(), version);
    }
}
