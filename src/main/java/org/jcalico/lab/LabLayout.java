package org.jcalico.lab;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Names;

/**
 * The names and addresses of a lab: a fabric namespace with a bridge joining hosts L-h1..L-hN, and an L-outside
 * namespace behind the fabric standing for the internet. Every address here lives only inside the lab's namespaces.
 */
public record LabLayout(String name, int hosts, boolean etcd) {
    public static final Cidr FABRIC_V4 = Cidr.parse("172.30.0.0/24");
    public static final Cidr FABRIC_V6 = Cidr.parse("fd30::/64");
    public static final IpAddress OUTSIDE_V4 = IpAddress.parse("203.0.113.2");
    public static final IpAddress OUTSIDE_GATEWAY_V4 = IpAddress.parse("203.0.113.1");
    public static final IpAddress OUTSIDE_V6 = IpAddress.parse("2001:db8:113::2");
    public static final IpAddress OUTSIDE_GATEWAY_V6 = IpAddress.parse("2001:db8:113::1");
    public static final Path STATE_ROOT = Path.of("/run/jcalico-lab");
    /** busybox-static's applets as an image, in every host's docker daemon (`lab up --docker`). */
    public static final String DOCKER_IMAGE = "busybox:latest";
    /** Per-namespace files that `ip netns exec` binds over /etc. */
    public static final Path ETC_NETNS = Path.of("/etc/netns");
    /** Without BGP, the pools whose fixed per-host ranges the fabric routes. */
    public static final Cidr FIXED_RANGES_V4 = Cidr.parse("10.65.0.0/16");
    public static final Cidr FIXED_RANGES_V6 = Cidr.parse("fd65::/64");

    public static final int ETCD_MEMBERS = 3;
    /** The longest name of a lab. */
    public static final int MAX_NAME = 8;

    /** A lab whose datastore is an embedded file in its state directory. */
    public LabLayout(String name, int hosts) {
        this(name, hosts, false);
    }

    public LabLayout {
        Names.check("lab name", name);
        if (name.length() > MAX_NAME) {
            throw new org.jcalico.model.ValidationException("lab name: '" + name + "' is longer than " + MAX_NAME
                    + " characters");
        }
        if (hosts < 1 || hosts > 50) {
            throw org.jcalico.model.ValidationException.field("hosts", hosts, "is not in 1-50");
        }
    }

    public String fabric() {
        return name + "-fabric";
    }

    public String outside() {
        return name + "-outside";
    }

    public String host(int index) {
        return name + "-h" + index;
    }

    public String nodeName(int index) {
        return "h" + index;
    }

    public List<Integer> hostIndexes() {
        return IntStream.rangeClosed(1, hosts).boxed().toList();
    }

    public String workload(String workloadName) {
        return name + "-" + workloadName;
    }

    public IpAddress fabricGatewayV4() {
        return FABRIC_V4.addressAt(java.math.BigInteger.ONE);
    }

    public IpAddress fabricGatewayV6() {
        return FABRIC_V6.addressAt(java.math.BigInteger.ONE);
    }

    /** Host N's fixed range without BGP: 10.65.N.0/24 and fd65::N00/120 (hexadecimal N). */
    public Cidr fixedRange(int version, int index) {
        Cidr pool = version == 4 ? FIXED_RANGES_V4 : FIXED_RANGES_V6;
        return pool.subnet(java.math.BigInteger.valueOf(index), version == 4 ? 24 : 120);
    }

    public IpAddress hostV4(int index) {
        return FABRIC_V4.addressAt(java.math.BigInteger.valueOf(10 + index));
    }

    public IpAddress hostV6(int index) {
        return FABRIC_V6.addressAt(java.math.BigInteger.valueOf(10 + index));
    }

    /** Every namespace of the lab starts with this; `lab down` removes them all by it. */
    public String prefix() {
        return name + "-";
    }

    public Path stateDir() {
        return STATE_ROOT.resolve(name);
    }

    /** The embedded file, or the lab's etcd cluster, which the hosts reach over the fabric (not the root namespace). */
    public org.jcalico.datastore.DatastoreUrl datastoreUrl() {
        if (etcd) {
            return org.jcalico.datastore.DatastoreUrl.parse("etcd://" + String.join(",", java.util.stream.IntStream.rangeClosed(1, ETCD_MEMBERS)
                    .mapToObj(member -> etcdAddress(member) + ":2379").toList()));
        }
        return org.jcalico.datastore.DatastoreUrl.parse("embedded:" + stateDir().resolve("datastore.db"));
    }

    public String etcdMember(int member) {
        return name + "-etcd" + member;
    }

    public IpAddress etcdAddress(int member) {
        return FABRIC_V4.addressAt(java.math.BigInteger.valueOf(200 + member));
    }

    public Path runDir() {
        return stateDir().resolve("run");
    }

    public Path logDir() {
        return Path.of("/var/log/jcalico/lab-" + name);
    }

    /** Where `lab up` moves the logs an earlier lab of the name left (see Lab), kept until the next `lab up`. */
    public Path previousLogDir() {
        return logDir().resolveSibling(logDir().getFileName() + ".previous");
    }

    /** Where host N's docker daemon keeps everything it writes (see {@link DockerDaemon}); under {@link #dockerRoots}. */
    public Path dockerRoot(int index) {
        return dockerRoots().resolve(host(index));
    }

    /** One directory per host that has a docker daemon; `lab down` stops the daemon of each it finds. */
    public Path dockerRoots() {
        return stateDir().resolve("docker");
    }

    /** Host N's docker daemon's API socket: DOCKER_HOST=unix://SOCKET. */
    public Path dockerSocket(int index) {
        return DockerDaemon.at(dockerRoot(index)).socket();
    }

    /**
     * What host N's docker daemon sees as /etc/docker: `ip netns exec` binds /etc/netns/HOST/docker over /etc/docker,
     * and the lab starts the daemon with the same bind.
     */
    public Path etcDocker(int index) {
        return ETC_NETNS.resolve(host(index)).resolve("docker");
    }

    /** Where host N's docker daemon discovers remote plugins (its /etc/docker/plugins), and its agent writes their specs. */
    public Path dockerPluginDir(int index) {
        return etcDocker(index).resolve("plugins");
    }
}
