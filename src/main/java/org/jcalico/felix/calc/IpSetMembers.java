package org.jcalico.felix.calc;

import java.util.List;
import org.jcalico.model.Cidr;
import org.jcalico.model.EndpointPort;
import org.jcalico.model.IpAddress;

/** The text of ipset members, as IpSetSpec keeps them: exactly what "ipset save" prints back. */
public final class IpSetMembers {
    private static final List<String> ALL_IPV4 = List.of("0.0.0.0/1", "128.0.0.0/1");
    private static final List<String> ALL_IPV6 = List.of("::/1", "8000::/1");

    private IpSetMembers() {
    }

    /**
     * A net as members of a hash:net set. The kernel refuses the prefix length 0 in such a set, so the whole address
     * space is its two halves.
     */
    public static List<String> net(Cidr net) {
        if (net.prefixLength() > 0) {
            return List.of(net.toString());
        }
        return net.version() == 4 ? ALL_IPV4 : ALL_IPV6;
    }

    /**
     * A hash:net member read back from the kernel, as {@link Cidr#toString} writes a net: its network (the kernel keeps
     * no host bits) and prefix length.
     */
    public static String net(IpAddress network, int prefixLength) {
        return network.withSuffix(Cidr.prefixText(prefixLength));
    }

    /** An endpoint's net as the address of a hash:ip,port member "ADDRESS,PROTO:PORT" (Calico takes the net's address). */
    public static String addressAndPort(Cidr net, EndpointPort port) {
        return addressAndPort(net.network(), port.protocol().name(), port.port());
    }

    /** A hash:ip,port member "ADDRESS,PROTOCOL:PORT" (the driver's read-back makes the kernel's members this way). */
    public static String addressAndPort(IpAddress address, String protocol, int port) {
        return address.withSuffix("," + protocol + ":" + port);
    }
}
