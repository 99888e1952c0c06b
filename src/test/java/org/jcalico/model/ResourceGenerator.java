package org.jcalico.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Random resources of every kind in their JSON/YAML form (maps, lists and scalars), from one seed. Each field is
 * present or absent at random, and with probability {@code badness} holds a value chosen to be wrong: malformed,
 * out of range, of the wrong type, with control characters or non-ASCII digits, or reserved. With badness 0 every
 * single value is well-formed, but combinations (ports without a ported protocol, icmpv6 with an IPv4 net) still
 * may not be.
 */
public final class ResourceGenerator {
    public static final List<String> KINDS = List.of(Node.KIND, IpPool.KIND, IpamBlock.KIND, Profile.KIND,
            WorkloadEndpoint.KIND, EndpointStatus.KIND, BgpPeer.KIND, BgpConfiguration.KIND, FelixConfiguration.KIND,
            Namespace.KIND);
    /** Tags that generated rules name; {@link #tagCarrier} carries them all. */
    public static final List<String> TAGS = List.of("web", "db", "t.1", "a-very-long-tag-name-that-needs-a-hashed-ipset-name-x");
    private static final List<Object> BAD_TEXT = List.of("", " ", "a b", "a\nb", "a\u0000", "a\u202eb", "-a", ".a",
            "é", "a".repeat(64), "a;reboot", "a'b", "a\"b", "a$(x)", 5, 1.5, true, List.of("a"), Map.of("a", "b"));
    private static final List<Object> BAD_NUMBER = List.of(-1, 0, 26.9, 1e300, "26", "x", true, 4294967296L,
            Long.MAX_VALUE, List.of(1), "\u0662\u0666");
    private static final List<Object> BAD_LABELS = List.of(Map.of("a", "x\ny"), Map.of("a b", "x"), List.of("x"),
            Map.of("a", "\u202e"), Map.of("a", "any text, with spaces"), Map.of("-a", "x"), Map.of("a", "x".repeat(64)),
            Map.of("Example.com/a", "x"), Map.of("/a", "x"), Map.of("a/b/c", "x"), Map.of("a.", "x"), Map.of("a", "-x"));
    private static final List<Object> BAD_NAMESPACES = List.of("Web", "-web", "web-", "a_b", "a.b", "a".repeat(64), 5, "é");
    private final Random random;
    private final double badness;

    public ResourceGenerator(long seed, double badness) {
        this.random = new Random(seed);
        this.badness = badness;
    }

    /** A resource of a random kind. */
    public Map<String, Object> any() {
        return of(KINDS.get(random.nextInt(KINDS.size())));
    }

    public Map<String, Object> of(String kind) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", kind);
        switch (kind) {
            case Node.KIND -> {
                put(out, "name", 0.98, this::name, BAD_TEXT);
                put(out, "ipv4", 0.8, () -> address(4), badAddresses());
                put(out, "ipv6", 0.5, () -> address(6), badAddresses());
                put(out, "asNumber", 0.3, this::asNumber, BAD_NUMBER);
            }
            case IpPool.KIND -> {
                int version = random.nextBoolean() ? 4 : 6;
                Object cidr = cidr(version, version == 4 ? 8 + random.nextInt(25) : 32 + random.nextInt(97));
                put(out, "cidr", 0.98, () -> cidr, badCidrs());
                int prefix = cidr.toString().contains("/") ? Integer.parseInt(cidr.toString().substring(cidr.toString().indexOf('/') + 1)) : 0;
                put(out, "blockSize", 0.5, () -> Math.max(prefix, version == 4 ? 20 : 116) + random.nextInt(version == 4 ? 13 : 13), BAD_NUMBER);
                put(out, "natOutgoing", 0.5, random::nextBoolean, List.of("yes", 2, "maybe"));
                put(out, "disabled", 0.3, random::nextBoolean, List.of("no", 3));
            }
            case IpamBlock.KIND -> {
                put(out, "cidr", 0.98, () -> cidr(4, 26), badCidrs());
                put(out, "affinity", 0.7, this::name, BAD_TEXT);
                put(out, "allocations", 0.6, () -> Map.of(String.valueOf(random.nextInt(64)), name()),
                        List.of(Map.of("64", "x"), Map.of("-1", "x"), Map.of("1.5", "x"), Map.of("a", "x"), "x"));
            }
            case Profile.KIND -> {
                put(out, "name", 0.98, this::name, BAD_TEXT);
                put(out, "tags", 0.6, () -> list(3, () -> pick(TAGS)), List.of(List.of(""), List.of("a\nb"), "web", List.of(5)));
                put(out, "labels", 0.3, this::labels, BAD_LABELS);
                put(out, "inbound", 0.8, () -> list(4, this::rule), List.of("allow", List.of("allow"), Map.of()));
                put(out, "outbound", 0.8, () -> list(4, this::rule), List.of("deny", List.of(5)));
            }
            case WorkloadEndpoint.KIND -> {
                put(out, "node", 0.98, this::name, BAD_TEXT);
                put(out, "orchestrator", 0.4, () -> pick(List.of("docker", "cni", "jcalico")), BAD_TEXT);
                put(out, "containerId", 0.98, () -> pick(List.of("c1", "pid:42", "netns:/run/netns/x", "0123456789abcdef")), BAD_TEXT);
                put(out, "endpointId", 0.98, this::name, BAD_TEXT);
                put(out, "interfaceName", 0.98, () -> "jc" + Integer.toHexString(random.nextInt(1 << 24)), BAD_TEXT);
                put(out, "mac", 0.5, () -> "02:00:00:00:00:" + String.format("%02x", random.nextInt(256)),
                        List.of("02:00:00:00:00:0G", "02-00-00-00-00-01", "02:00:00:00:00:0A"));
                put(out, "ipv4Nets", 0.7, () -> list(2, () -> cidr(4, 32)), badCidrs());
                put(out, "ipv6Nets", 0.5, () -> list(2, () -> cidr(6, 128)), badCidrs());
                put(out, "profileIds", 0.8, () -> list(3, this::name), List.of(List.of("a b"), "web"));
                put(out, "state", 0.3, () -> "active", BAD_TEXT);
                put(out, "namespace", 0.5, this::namespace, BAD_NAMESPACES);
                put(out, "labels", 0.5, this::labels, BAD_LABELS);
                put(out, "ports", 0.3, this::namedPorts, List.of(List.of(Map.of("name", "http", "protocol", "icmp", "port", 80)),
                        List.of(Map.of("name", "Http", "protocol", "tcp", "port", 80)),
                        List.of(Map.of("name", "http", "protocol", "tcp", "port", 65536)),
                        List.of(Map.of("name", "80", "protocol", "tcp", "port", 80)),
                        List.of(Map.of("name", "a--b", "protocol", "tcp", "port", 80)),
                        List.of(Map.of("name", "http", "protocol", "tcp", "port", 80), Map.of("name", "http", "protocol", "tcp", "port", 81))));
            }
            case Namespace.KIND -> {
                put(out, "name", 0.98, this::namespace, BAD_NAMESPACES);
                put(out, "labels", 0.5, this::labels, BAD_LABELS);
            }
            case EndpointStatus.KIND -> {
                put(out, "node", 0.98, this::name, BAD_TEXT);
                put(out, "endpointId", 0.98, this::name, BAD_TEXT);
                put(out, "state", 0.98, () -> pick(List.of("programmed", "failed", "error")), List.of("ready", 1));
                put(out, "detail", 0.5, () -> "iptables-restore: line 3 failed", List.of(5, List.of()));
                put(out, "updatedAtMillis", 0.8, () -> random.nextLong(0, 1L << 42), BAD_NUMBER);
                put(out, "endpointCreatedAtMillis", 0.6, () -> random.nextLong(0, 1L << 42), BAD_NUMBER);
            }
            case BgpPeer.KIND -> {
                int version = random.nextBoolean() ? 4 : 6;
                put(out, "peerIp", 0.98, () -> address(version), badAddresses());
                put(out, "asNumber", 0.98, this::asNumber, BAD_NUMBER);
                put(out, "node", 0.4, this::name, BAD_TEXT);
                put(out, "importLimit", 0.3, this::importLimit, BAD_NUMBER);
            }
            case BgpConfiguration.KIND -> {
                put(out, "name", 0.6, () -> "default", List.of("other", 5, "default\n"));
                put(out, "defaultAs", 0.7, this::asNumber, BAD_NUMBER);
                put(out, "nodeToNodeMesh", 0.7, random::nextBoolean, List.of("sometimes", 7));
                put(out, "importLimit", 0.5, this::importLimit, BAD_NUMBER);
            }
            case FelixConfiguration.KIND -> {
                put(out, "name", 0.98, () -> random.nextBoolean() ? "global" : "node." + name(), List.of("node.", "node.a b", "local", 5));
                put(out, "resyncIntervalSeconds", 0.5, () -> 1 + random.nextInt(3600), BAD_NUMBER);
                put(out, "defaultEndpointToHostAction", 0.5, () -> pick(List.of("drop", "accept")), List.of("DROP", "return", 1));
                put(out, "interfacePrefix", 0.5, () -> pick(List.of("jc", "cali", "w1", "abcdef")), List.of("eth", "jc+", "", "JC", "abcdefg", "j\nc"));
                put(out, "logLevel", 0.5, () -> pick(List.of("debug", "info", "warn", "error")), List.of("trace", "INFO", 3));
                put(out, "dataplaneDriver", 0.3, () -> pick(List.of("iptables", "nftables")), List.of("NFTABLES", "bpf", 4));
            }
            default -> throw new IllegalArgumentException(kind);
        }
        if (badness > 0 && random.nextDouble() < badness / 4) {
            out.put(pick(List.of("extra", "Name", "natoutgoing", "kinds")), "x");
        }
        return out;
    }

    /**
     * Where each flat field goes in the API form, per kind, as docs/resources.md lists it: written here from the
     * docs, independently of ApiForm, so that the property test checks the mapping rather than repeating it.
     */
    private static final Map<String, Map<String, String>> API_PATHS = Map.ofEntries(
            Map.entry(Node.KIND, Map.of("name", "metadata.name", "ipv4", "spec.bgp.ipv4Address",
                    "ipv6", "spec.bgp.ipv6Address", "asNumber", "spec.bgp.asNumber")),
            Map.entry(IpPool.KIND, Map.of("cidr", "spec.cidr", "blockSize", "spec.blockSize", "natOutgoing", "spec.natOutgoing",
                    "disabled", "spec.disabled")),
            Map.entry(IpamBlock.KIND, Map.of("cidr", "spec.cidr", "affinity", "spec.affinity", "allocations", "spec.allocations")),
            Map.entry(Profile.KIND, Map.of("name", "metadata.name", "tags", "spec.tags", "labels", "spec.labelsToApply",
                    "inbound", "spec.ingress", "outbound", "spec.egress")),
            Map.entry(WorkloadEndpoint.KIND, Map.ofEntries(Map.entry("node", "spec.node"),
                    Map.entry("orchestrator", "spec.orchestrator"), Map.entry("containerId", "spec.containerID"),
                    Map.entry("endpointId", "metadata.name"), Map.entry("interfaceName", "spec.interfaceName"),
                    Map.entry("mac", "spec.mac"), Map.entry("ipv4Nets", "spec.ipNetworks"), Map.entry("ipv6Nets", "spec.ipNetworks"),
                    Map.entry("profileIds", "spec.profiles"), Map.entry("state", "spec.state"),
                    Map.entry("namespace", "metadata.namespace"), Map.entry("labels", "metadata.labels"),
                    Map.entry("ports", "spec.ports"))),
            Map.entry(EndpointStatus.KIND, Map.of("node", "spec.node", "endpointId", "metadata.name", "state", "spec.state",
                    "detail", "spec.detail", "updatedAtMillis", "spec.updatedAtMillis", "endpointCreatedAtMillis",
                    "spec.endpointCreatedAtMillis")),
            Map.entry(BgpPeer.KIND, Map.of("peerIp", "spec.peerIP", "asNumber", "spec.asNumber", "node", "spec.node",
                    "importLimit", "spec.importLimit")),
            Map.entry(BgpConfiguration.KIND, Map.of("name", "metadata.name", "defaultAs", "spec.asNumber",
                    "nodeToNodeMesh", "spec.nodeToNodeMeshEnabled", "importLimit", "spec.importLimit")),
            Map.entry(FelixConfiguration.KIND, Map.of("name", "metadata.name", "resyncIntervalSeconds", "spec.iptablesRefreshInterval",
                    "defaultEndpointToHostAction", "spec.defaultEndpointToHostAction", "interfacePrefix", "spec.interfacePrefix",
                    "logLevel", "spec.logSeverityScreen", "dataplaneDriver", "spec.dataplaneDriver")),
            Map.entry(Namespace.KIND, Map.of("name", "metadata.name", "labels", "metadata.labels")));
    /** Calico's spelling of jcalico's values, where they differ. */
    private static final Map<String, Map<Object, Object>> API_VALUES = Map.of(
            "name", Map.of("global", "default"),
            "defaultEndpointToHostAction", Map.of("drop", "Drop", "accept", "Accept"),
            "logLevel", Map.of("debug", "Debug", "info", "Info", "warn", "Warning", "error", "Error"));

    /** The API paths of a kind's fields, as errors about its API form name them. */
    public static java.util.Collection<String> apiPaths(String kind) {
        return API_PATHS.get(kind).values();
    }

    /**
     * The same resource in the API form: apiVersion, kind, metadata and spec with Calico's names and spellings
     * (FelixConfiguration's "global" is "default", an interval "90s", a node address with its prefix length).
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> inApiForm(Map<String, Object> flat) {
        String kind = (String) flat.get("kind");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("apiVersion", kind.equals(Namespace.KIND) ? "v1" : "projectcalico.org/v3");
        out.put("kind", kind);
        out.put("metadata", new LinkedHashMap<String, Object>());
        flat.forEach((field, value) -> {
            String path = API_PATHS.get(kind).get(field);
            if (path == null) {
                if (!field.equals("kind")) {
                    out.put(field, value); // a field the kind does not have stays one
                }
                return;
            }
            Object api = value == null ? null : API_VALUES.getOrDefault(kind.equals(FelixConfiguration.KIND) || !field.equals("name") ? field : "",
                    Map.of()).getOrDefault(value, value);
            if (field.equals("resyncIntervalSeconds") && value instanceof Integer seconds) {
                api = seconds + "s";
            } else if ((field.equals("ipv4") || field.equals("ipv6")) && value instanceof String address) {
                api = address + (field.equals("ipv4") ? "/32" : "/128");
            }
            Map<String, Object> parent = out;
            String[] parts = path.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                parent = (Map<String, Object>) parent.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
            }
            String last = parts[parts.length - 1];
            if (parent.get(last) instanceof List<?> earlier && api instanceof List<?> more) {
                List<Object> both = new ArrayList<>(earlier);
                both.addAll(more);
                api = both;
            }
            parent.put(last, api);
        });
        return out;
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            String key = pick(List.of("app", "tier", "a_b.c-d", "x".repeat(63), "example.com/team", "k8s.io/x-y", "Role"));
            labels.put(key, pick(List.of("", "web", "DB", "v1.2_3", "z".repeat(63))));
        }
        return labels;
    }

    private String namespace() {
        return pick(List.of("default", "kube-system", "team-a", "n".repeat(63), "0"));
    }

    private List<Map<String, Object>> namedPorts() {
        List<Map<String, Object>> ports = new ArrayList<>();
        for (String name : List.of("http", "metrics", "dns-1").subList(0, random.nextInt(4))) {
            ports.add(Map.of("name", name, "protocol", pick(List.of("tcp", "udp", "sctp", "TCP")), "port", 1 + random.nextInt(65535)));
        }
        return ports;
    }

    /** A profile that carries every tag generated rules may name, so that their sets exist. */
    public static Map<String, Object> tagCarrier() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", Profile.KIND);
        out.put("name", "tag-carrier");
        out.put("tags", TAGS);
        return out;
    }

    public Map<String, Object> rule() {
        Map<String, Object> rule = new LinkedHashMap<>();
        put(rule, "action", 0.98, () -> pick(List.of("allow", "deny")), List.of("accept", "ALLOW", 1, "pass"));
        boolean icmp = random.nextInt(4) == 0;
        Supplier<Object> protocol = icmp ? () -> pick(List.of("icmp", "icmpv6", "1", "58", 1, 58))
                : () -> pick(List.of("tcp", "udp", "sctp", "TCP", "6", "17", "132", 6, 0, "0", "47", "255", "006", String.valueOf(random.nextInt(256))));
        put(rule, "protocol", 0.6, protocol, List.of("256", "tcpp", "\u0666", "-1", "", 1.5, " tcp", List.of("tcp")));
        put(rule, "notProtocol", 0.15, () -> pick(List.of("tcp", "udp", "icmp", "47", 17, "255")), List.of("0", 0, "\u0661\u0667", "x"));
        put(rule, "source", 0.4, () -> entity(icmp), List.of("web", List.of(), Map.of("tag", "a b")));
        put(rule, "destination", 0.5, () -> entity(icmp), List.of("db", 5, Map.of("net", "10.0.0.1/8")));
        if (icmp) {
            put(rule, "icmpType", 0.7, () -> random.nextInt(256), List.of(-1, 256, 8.5, "8", "\u0668"));
            put(rule, "icmpCode", 0.4, () -> random.nextInt(256), List.of(-1, 256, 0.5, "0"));
        }
        put(rule, "ipVersion", 0.2, () -> random.nextBoolean() ? 4 : 6, List.of(5, 0, "4", 4.0));
        return rule;
    }

    private Map<String, Object> entity(boolean icmp) {
        Map<String, Object> entity = new LinkedHashMap<>();
        put(entity, "tag", 0.4, () -> pick(TAGS), BAD_TEXT);
        put(entity, "net", 0.4, () -> random.nextBoolean() ? cidr(4, random.nextInt(33)) : cidr(6, random.nextInt(129)), badCidrs());
        if (!icmp) {
            put(entity, "ports", 0.4, this::ports, List.of("", "70000", "http", "90:80", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
                    "80,", ":80", "\u0668\u0660", 65536, -1, 80.5, "1:2:3", "8\n0"));
        }
        return entity;
    }

    private Object ports() {
        if (random.nextInt(4) == 0) {
            return random.nextInt(65536);
        }
        List<String> items = new ArrayList<>();
        int slots = 1 + random.nextInt(15);
        while (slots > 0) {
            int first = random.nextInt(65536);
            if (slots >= 2 && random.nextBoolean()) {
                items.add(first + (random.nextBoolean() ? ":" : "-") + (first + random.nextInt(65536 - first)));
                slots -= 2;
            } else {
                items.add(String.valueOf(first));
                slots--;
            }
        }
        return String.join(",", items);
    }

    private void put(Map<String, Object> out, String field, double presence, Supplier<Object> good, List<?> bad) {
        if (random.nextDouble() >= presence) {
            return;
        }
        out.put(field, random.nextDouble() < badness ? (random.nextInt(10) == 0 ? null : pick(bad)) : good.get());
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private List<Object> list(int max, Supplier<Object> element) {
        List<Object> out = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            out.add(element.get());
        }
        return out;
    }

    private String name() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
        int length = random.nextInt(10) == 0 ? 63 : 1 + random.nextInt(12);
        StringBuilder out = new StringBuilder().append(alphabet.charAt(random.nextInt(36)));
        while (out.length() < length) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private Object asNumber() {
        return pick(List.of(1L, 64512L, 65535L, 65536L, 4200000000L, 4294967295L, 1 + random.nextLong(4294967295L)));
    }

    private Object importLimit() {
        return pick(List.of(1L, 50L, 100000L, 4294967295L, 1 + random.nextLong(4294967295L)));
    }

    /** Mostly usable host addresses; sometimes a special one, which validation must refuse. */
    private String address(int version) {
        if (random.nextInt(8) == 0) {
            return pick(version == 4 ? List.of("0.0.0.0", "127.0.0.1", "169.254.1.1", "224.0.0.5", "255.255.255.255", "10.0.0.0")
                    : List.of("::", "::1", "fe80::1", "ff02::2", "::ffff:10.0.0.1", "fd30::"));
        }
        return version == 4 ? "172.30." + random.nextInt(256) + "." + (1 + random.nextInt(254))
                : "fd30::" + Integer.toHexString(1 + random.nextInt(0xfffe));
    }

    /** A network with no host bits set, anywhere in the address space (reserved ranges included). */
    private String cidr(int version, int prefix) {
        if (version == 4) {
            long value = random.nextLong(1L << 32) & (prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL);
            return IpAddress.parse(((value >>> 24) & 255) + "." + ((value >>> 16) & 255) + "." + ((value >>> 8) & 255)
                    + "." + (value & 255)) + "/" + prefix;
        }
        java.math.BigInteger value = new java.math.BigInteger(128, random);
        java.math.BigInteger mask = java.math.BigInteger.ONE.shiftLeft(128).subtract(java.math.BigInteger.ONE)
                .shiftRight(prefix).not();
        if (random.nextBoolean()) {
            value = value.clearBit(127).clearBit(126).setBit(125).clearBit(124); // mostly 2000::/3, sometimes fd00::/8
        }
        return Cidr.containing(new IpAddress(6, value.and(mask).and(java.math.BigInteger.ONE.shiftLeft(128)
                .subtract(java.math.BigInteger.ONE))), prefix).toString();
    }

    private List<Object> badAddresses() {
        return List.of("", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "fe80::1%eth0", "::g", "localhost", 5,
                "1.2.3.4/32", "\u0661.2.3.4");
    }

    private List<Object> badCidrs() {
        return List.of("10.0.0.1/8", "10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0.0/08", "fd00::/129", "x/8", 10,
                List.of("10.0.0.0/8"), "10.0.0.0/\u0668");
    }
}
