package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every kind in Calico's v3 API form (Kubernetes' for Namespace): what a Calico user writes reads as the resource
 * jcalico means, prints back as the same text, and the flat form jcalico wrote before still reads; fields and values
 * jcalico does not implement are refused naming them.
 */
class ApiFormTest {
    private static final String V3 = "apiVersion: projectcalico.org/v3\n";

    @Test
    void ipPool() {
        assertForm(new IpPool(Cidr.parse("10.1.0.0/16"), true, 24, false, "my.ippool-1"), V3 + """
                kind: IPPool
                metadata:
                  name: my.ippool-1
                spec:
                  cidr: 10.1.0.0/16
                  blockSize: 24
                  natOutgoing: true
                  disabled: false
                """, "kind: IPPool\ncidr: 10.1.0.0/16\nnatOutgoing: true\nblockSize: 24\npoolName: my.ippool-1\n");
        // a name that only repeats the cidr is the pool without a name of its own
        assertEquals(new IpPool(Cidr.parse("fd00::/48"), false, null, false),
                read(V3 + "kind: IPPool\nmetadata: {name: fd00---48}\nspec: {cidr: fd00::/48}\n"));
        // what Calico writes for the behaviour jcalico has is accepted
        assertEquals(new IpPool(Cidr.parse("10.1.0.0/16"), false, null, false, "p"), read(V3 + """
                kind: IPPool
                metadata: {name: p}
                spec: {cidr: 10.1.0.0/16, ipipMode: Never, vxlanMode: Never, nodeSelector: all(), allowedUses: [Workload],
                  disableBGPExport: false, assignmentMode: Automatic}
                """));
    }

    @Test
    void node() {
        assertForm(new Node("h1", IpAddress.parse("172.30.0.1"), IpAddress.parse("fd30::1"), 64513L), V3 + """
                kind: Node
                metadata:
                  name: h1
                spec:
                  bgp:
                    ipv4Address: 172.30.0.1/32
                    ipv6Address: fd30::1/128
                    asNumber: 64513
                """, "kind: Node\nname: h1\nipv4: 172.30.0.1\nipv6: fd30::1\nasNumber: 64513\n");
        // Calico's subnet prefix is read and not kept (jcalico has no tunnels, its only use)
        assertEquals(new Node("h1", IpAddress.parse("172.30.0.1"), null, null),
                read(V3 + "kind: Node\nmetadata: {name: h1}\nspec: {bgp: {ipv4Address: 172.30.0.1/24}}\n"));
    }

    @Test
    void bgpPeerAndConfiguration() {
        assertForm(new BgpPeer(IpAddress.parse("192.0.2.1"), 64567, "rack1-host1", "some.name", null), V3 + """
                kind: BGPPeer
                metadata:
                  name: some.name
                spec:
                  peerIP: 192.0.2.1
                  asNumber: 64567
                  node: rack1-host1
                """, "kind: BGPPeer\npeerIp: 192.0.2.1\nasNumber: 64567\nnode: rack1-host1\npeerName: some.name\n");
        assertForm(new BgpPeer(IpAddress.parse("192.0.2.1"), 64567, null, "tor", 5000L), V3 + """
                kind: BGPPeer
                metadata:
                  name: tor
                spec:
                  peerIP: 192.0.2.1
                  asNumber: 64567
                  importLimit: 5000
                """, "kind: BGPPeer\npeerIp: 192.0.2.1\nasNumber: 64567\npeerName: tor\nimportLimit: 5000\n");
        assertEquals("global-fd00--9", ResourceCodec.apiForm(new BgpPeer(IpAddress.parse("fd00::9"), 65000, null))
                .path("metadata").path("name").asText());
        assertForm(new BgpConfiguration("default", 64513L, false), V3 + """
                kind: BGPConfiguration
                metadata:
                  name: default
                spec:
                  asNumber: 64513
                  nodeToNodeMeshEnabled: false
                """, "kind: BGPConfiguration\nname: default\ndefaultAs: 64513\nnodeToNodeMesh: false\n");
        assertForm(new BgpConfiguration("default", 64513L, true, 20000L), V3 + """
                kind: BGPConfiguration
                metadata:
                  name: default
                spec:
                  asNumber: 64513
                  nodeToNodeMeshEnabled: true
                  importLimit: 20000
                """, "kind: BGPConfiguration\nname: default\ndefaultAs: 64513\nnodeToNodeMesh: true\nimportLimit: 20000\n");
    }

    @Test
    void felixConfiguration() {
        assertForm(new FelixConfiguration("global", 90, FelixConfiguration.EndpointToHostAction.ACCEPT, "cali", "warn"), V3 + """
                kind: FelixConfiguration
                metadata:
                  name: default
                spec:
                  interfacePrefix: cali
                  defaultEndpointToHostAction: Accept
                  logSeverityScreen: Warning
                  iptablesRefreshInterval: "90s"
                """, """
                kind: FelixConfiguration
                name: global
                resyncIntervalSeconds: 90
                defaultEndpointToHostAction: accept
                interfacePrefix: cali
                logLevel: warn
                """);
        assertForm(new FelixConfiguration("node.h1", null, FelixConfiguration.EndpointToHostAction.DROP, null, "debug"), V3 + """
                kind: FelixConfiguration
                metadata:
                  name: node.h1
                spec:
                  defaultEndpointToHostAction: Drop
                  logSeverityScreen: Debug
                """, "kind: FelixConfiguration\nname: node.h1\ndefaultEndpointToHostAction: drop\nlogLevel: debug\n");
        assertForm(new FelixConfiguration("global", null, null, null, null, false, "::1", 19099, true, "10.0.0.1", 19091, false), V3 + """
                kind: FelixConfiguration
                metadata:
                  name: default
                spec:
                  healthEnabled: false
                  healthHost: ::1
                  healthPort: 19099
                  prometheusMetricsEnabled: true
                  prometheusMetricsHost: 10.0.0.1
                  prometheusMetricsPort: 19091
                  deniedFlowLogsEnabled: false
                """, """
                kind: FelixConfiguration
                name: global
                healthEnabled: false
                healthHost: ::1
                healthPort: 19099
                prometheusMetricsEnabled: true
                prometheusMetricsHost: 10.0.0.1
                prometheusMetricsPort: 19091
                deniedFlowLogsEnabled: false
                """);
        assertRefused("resource 1 (FelixConfiguration): spec.healthHost: 'localhost' is not an IPv4 or IPv6 address",
                V3 + "kind: FelixConfiguration\nmetadata: {name: default}\nspec: {healthHost: localhost}");
        assertRefused("resource 1 (FelixConfiguration): spec.prometheusMetricsPort: '0' is not in 1-65535",
                V3 + "kind: FelixConfiguration\nmetadata: {name: default}\nspec: {prometheusMetricsPort: 0}");
        assertEquals(1830, ((FelixConfiguration) read(V3
                + "kind: FelixConfiguration\nmetadata: {name: default}\nspec: {iptablesRefreshInterval: 30m30s}\n")).resyncIntervalSeconds());
    }

    @Test
    void profile() {
        Rule fromWeb = Rule.allow().withSource(new EntityMatch("web", null, null, "app == \"web\"", null, null, null, null));
        Rule http = new Rule(Action.ALLOW, Protocol.parse("tcp"), null, null,
                new EntityMatch(null, null, Ports.parse("80,443")), null, null, null);
        assertForm(new Profile("web", List.of("web"), Map.of("team", "a"), List.of(fromWeb, http), List.of(Rule.allow())), V3 + """
                kind: Profile
                metadata:
                  name: web
                spec:
                  ingress:
                  - action: Allow
                    source:
                      tag: web
                      selector: app == "web"
                  - action: Allow
                    protocol: TCP
                    destination:
                      ports:
                      - 80
                      - 443
                  egress:
                  - action: Allow
                  labelsToApply:
                    team: a
                  tags:
                  - web
                """, """
                kind: Profile
                name: web
                tags: [web]
                labels: {team: a}
                inbound:
                - {action: allow, source: {tag: web, selector: app == "web"}}
                - {action: allow, protocol: tcp, destination: {ports: "80,443"}}
                outbound:
                - {action: allow}
                """);
    }

    @Test
    void workloadEndpointAndItsStatus() {
        WorkloadEndpoint endpoint = new WorkloadEndpoint("h1", "k8s", "c1", "h1-c1-eth0", "jc0123456789a",
                "02:00:00:00:00:01", List.of(Cidr.parse("10.65.0.1/32")), List.of(Cidr.parse("fd65::1/128")), List.of("web"),
                null, "prod", Map.of("app", "web"), List.of(EndpointPort.parse("http=tcp/8080")));
        assertForm(endpoint, V3 + """
                kind: WorkloadEndpoint
                metadata:
                  name: h1-c1-eth0
                  namespace: prod
                  labels:
                    app: web
                spec:
                  node: h1
                  orchestrator: k8s
                  containerID: c1
                  interfaceName: jc0123456789a
                  mac: 02:00:00:00:00:01
                  ipNetworks:
                  - 10.65.0.1/32
                  - fd65::1/128
                  profiles:
                  - web
                  ports:
                  - name: http
                    protocol: TCP
                    port: 8080
                  state: active
                """, """
                kind: WorkloadEndpoint
                node: h1
                orchestrator: k8s
                containerId: c1
                endpointId: h1-c1-eth0
                interfaceName: jc0123456789a
                mac: 02:00:00:00:00:01
                ipv4Nets: [10.65.0.1/32]
                ipv6Nets: [fd65::1/128]
                profileIds: [web]
                namespace: prod
                labels: {app: web}
                ports: [{name: http, protocol: tcp, port: 8080}]
                """);
        assertForm(new EndpointStatus("h1", "h1-c1-eth0", EndpointStatus.State.failed, "no profile web", 5L), V3 + """
                kind: WorkloadEndpointStatus
                metadata:
                  name: h1-c1-eth0
                spec:
                  node: h1
                  state: failed
                  detail: no profile web
                  updatedAtMillis: 5
                """, "kind: WorkloadEndpointStatus\nnode: h1\nendpointId: h1-c1-eth0\nstate: error\ndetail: no profile web\nupdatedAtMillis: 5\n");
    }

    @Test
    void ipamBlockNamesFollowFromTheCidr() {
        assertForm(new IpamBlock(Cidr.parse("10.65.0.0/26"), "h1", Map.of(0, "ep1")), V3 + """
                kind: IPAMBlock
                metadata:
                  name: 10.65.0.0-26
                spec:
                  cidr: 10.65.0.0/26
                  affinity: h1
                  allocations:
                    "0": ep1
                """, "kind: IPAMBlock\ncidr: 10.65.0.0/26\naffinity: h1\nallocations: {0: ep1}\n");
        assertRefused("resource 1 (IPAMBlock): metadata.name: 'other' is not '10.65.0.0-26', the name that follows from its spec",
                V3 + "kind: IPAMBlock\nmetadata: {name: other}\nspec: {cidr: 10.65.0.0/26}\n");
    }

    @Test
    void namespaceAsKubernetesWritesIt() {
        assertForm(new Namespace("prod", Map.of("team", "a")), """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: prod
                  labels:
                    team: a
                """, "kind: Namespace\nname: prod\nlabels: {team: a}\n");
        // what kubectl get -o yaml adds: server metadata, the finalizer and the status
        assertEquals(new Namespace("prod", Map.of("kubernetes.io/metadata.name", "prod")), read("""
                apiVersion: v1
                kind: Namespace
                metadata:
                  creationTimestamp: "2024-01-01T00:00:00Z"
                  labels: {kubernetes.io/metadata.name: prod}
                  name: prod
                  resourceVersion: "42"
                  uid: 0b5d3f3e-0000-4000-8000-000000000000
                spec:
                  finalizers: [kubernetes]
                status:
                  phase: Active
                """));
    }

    /** What kubectl get -o yaml and calicoctl get -o yaml print for several resources applies as its items. */
    @Test
    void listsStandForTheirItems() {
        List<Resource> expected = List.of(new Namespace("a", null), new Namespace("b", null),
                new IpPool(Cidr.parse("10.1.0.0/16"), false, null, false, "p"));
        assertEquals(expected, ResourceCodec.decodeAll("""
                apiVersion: v1
                kind: List
                items:
                - {apiVersion: v1, kind: Namespace, metadata: {name: a}}
                - {apiVersion: v1, kind: Namespace, metadata: {name: b}}
                metadata: {resourceVersion: ""}
                ---
                apiVersion: projectcalico.org/v3
                kind: IPPoolList
                items:
                - metadata: {name: p, resourceVersion: "1"}
                  spec: {cidr: 10.1.0.0/16}
                metadata: {resourceVersion: "9"}
                """));
    }

    @Test
    void newKindsPrintWithTheirApiVersionAndServerMetadataIsDropped() {
        Tier tier = new Tier(new Metadata("platform", null, null, Map.of("owner", "net")), new Tier.Spec(100.0, Action.PASS));
        assertForm(tier, V3 + """
                kind: Tier
                metadata:
                  name: platform
                  annotations:
                    owner: net
                spec:
                  order: 100
                  defaultAction: Pass
                """, "kind: Tier\nmetadata: {name: platform, annotations: {owner: net}}\nspec: {order: 100, defaultAction: Pass}\n");
        assertEquals(tier, read(V3 + """
                kind: Tier
                metadata: {name: platform, annotations: {owner: net}, resourceVersion: "7", uid: x, generation: 2,
                  creationTimestamp: "2024-01-01T00:00:00Z"}
                spec: {order: 100, defaultAction: Pass}
                """));
    }

    @Test
    void unsupportedFieldsAndValuesAreRefusedNamingThem() {
        String pool = V3 + "kind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, ";
        assertRefused("resource 1 (IPPool): spec.ipipMode: 'Always' is not supported by jcalico (only Never)", pool + "ipipMode: Always}");
        assertRefused("resource 1 (IPPool): spec.vxlanMode: 'CrossSubnet' is not supported by jcalico (only Never)", pool + "vxlanMode: CrossSubnet}");
        assertRefused("resource 1 (IPPool): spec.nodeSelector: 'rack == \"a\"' is not supported by jcalico (only all())",
                pool + "nodeSelector: rack == \"a\"}");
        assertRefused("resource 1 (IPPool): spec.allowedUses: '[\"Tunnel\"]' is not supported by jcalico (only [\"Workload\"])",
                pool + "allowedUses: [Tunnel]}");
        assertRefused("resource 1 (IPPool): spec.blockSize: '19' is out of range for IPv4 (20-32)", pool + "blockSize: 19}");
        String policy = V3 + "kind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {";
        String supported = " not supported by jcalico (supported here: egress, ingress, namespaceSelector, order, selector, tier, types)";
        for (String field : List.of("serviceAccountSelector: all()", "preDNAT: true", "doNotTrack: true", "applyOnForward: true",
                "performanceHints: [AssumeNeededOnEveryNode]")) {
            String name = field.substring(0, field.indexOf(':'));
            assertRefused("resource 1 (GlobalNetworkPolicy): spec." + name + ":" + supported, policy + field + "}");
        }
        String rule = "resource 1 (GlobalNetworkPolicy): spec.ingress[0].";
        assertRefused(rule + "http: not supported by jcalico (supported here: action, destination, icmp, icmpCode, icmpType,"
                + " ipVersion, metadata, notICMP, notProtocol, protocol, source)", policy + "ingress: [{action: Allow, http: {methods: [GET]}}]}");
        String side = " not supported by jcalico (supported here: namespaceSelector, net, nets, notNets, notPorts, notSelector, ports,"
                + " selector, tag)";
        assertRefused(rule + "source.serviceAccounts:" + side, policy + "ingress: [{action: Allow, source: {serviceAccounts: {names: [a]}}}]}");
        assertRefused(rule + "destination.services:" + side, policy + "ingress: [{action: Allow, destination: {services: {name: a}}}]}");
        String felix = V3 + "kind: FelixConfiguration\nmetadata: {name: default}\nspec: {";
        String felixFields = ": not supported by jcalico (supported here: metadata.name, spec.interfacePrefix,"
                + " spec.defaultEndpointToHostAction, spec.logSeverityScreen, spec.iptablesRefreshInterval, spec.healthEnabled,"
                + " spec.healthHost, spec.healthPort, spec.prometheusMetricsEnabled, spec.prometheusMetricsHost,"
                + " spec.prometheusMetricsPort, spec.deniedFlowLogsEnabled, spec.dataplaneDriver, spec.blockReserveEnabled)";
        assertRefused("resource 1 (FelixConfiguration): spec.logActionRateLimit" + felixFields, felix + "logActionRateLimit: 10/second}");
        assertRefused("resource 1 (FelixConfiguration): spec.logActionRateLimitBurst" + felixFields, felix + "logActionRateLimitBurst: 5}");
        assertRefused("resource 1 (FelixConfiguration): spec.defaultEndpointToHostAction: 'Return' is not supported by jcalico"
                + " (one of Accept, Drop)", felix + "defaultEndpointToHostAction: Return}");
        assertRefused("resource 1 (FelixConfiguration): spec.logSeverityScreen: 'Fatal' is not supported by jcalico (one of"
                + " Debug, Error, Info, Warning)", felix + "logSeverityScreen: Fatal}");
        assertRefused("resource 1 (FelixConfiguration): spec.iptablesRefreshInterval: '1.5s' is not a duration of whole seconds"
                + " like 90s, 1m30s or 1h", felix + "iptablesRefreshInterval: 1.5s}");
        assertRefused("resource 1 (FelixConfiguration): metadata.name: 'global' is not 'default' or 'node.NODENAME'",
                V3 + "kind: FelixConfiguration\nmetadata: {name: global}\n");
        assertRefused("resource 1 (BGPPeer): spec.password: not supported by jcalico (supported here: spec.peerIP, spec.asNumber,"
                + " spec.node, spec.importLimit, metadata.name)", V3 + "kind: BGPPeer\nmetadata: {name: p}\nspec: {peerIP: 192.0.2.1, asNumber: 64512,"
                + " password: {secretKeyRef: {name: a, key: b}}}");
        // BIRD's `import limit 0` means none: a session always has a bound
        assertRefused("resource 1 (BGPPeer): spec.importLimit: '0' is not a route limit (1-4294967295)",
                V3 + "kind: BGPPeer\nmetadata: {name: p}\nspec: {peerIP: 192.0.2.1, asNumber: 64512, importLimit: 0}");
        assertRefused("resource 1 (BGPConfiguration): spec.importLimit: '4294967296' is not a route limit (1-4294967295)",
                V3 + "kind: BGPConfiguration\nmetadata: {name: default}\nspec: {importLimit: 4294967296}");
        assertRefused("resource 1 (Node): metadata.labels: not supported by jcalico (supported here: metadata.name,"
                + " spec.bgp.ipv4Address, spec.bgp.ipv6Address, spec.bgp.asNumber)", V3 + "kind: Node\nmetadata: {name: h1, labels: {rack: a}}\n");
        assertRefused("resource 1 (BGPPeer): spec.peerIP: '192.0.2.1:179' is not a valid IP address",
                V3 + "kind: BGPPeer\nmetadata: {name: p}\nspec: {peerIP: \"192.0.2.1:179\", asNumber: 64512}");
    }

    /** The datastore keeps the stored form: what jcalico stored before the API form existed still reads, unchanged. */
    @Test
    void recordsStoredBeforeStillRead() {
        assertEquals(new IpPool(Cidr.parse("10.65.0.0/16"), true, 26, false),
                StoredForm.fromJson("{\"kind\":\"IPPool\",\"cidr\":\"10.65.0.0/16\",\"natOutgoing\":true,\"blockSize\":26,\"disabled\":false}"));
        assertEquals(new BgpPeer(IpAddress.parse("172.30.0.100"), 65000, "h1"),
                StoredForm.fromJson("{\"kind\":\"BGPPeer\",\"peerIp\":\"172.30.0.100\",\"asNumber\":65000,\"node\":\"h1\"}"));
        Profile profile = (Profile) StoredForm.fromJson("{\"kind\":\"Profile\",\"name\":\"web\",\"tags\":[\"web\"],"
                + "\"inbound\":[{\"action\":\"allow\",\"protocol\":\"tcp\",\"destination\":{\"ports\":\"80,443\"}}],"
                + "\"outbound\":[{\"action\":\"allow\"}]}");
        assertEquals(new Rule(Action.ALLOW, Protocol.parse("tcp"), null, null, new EntityMatch(null, null, Ports.parse("80,443")),
                null, null, null), profile.inbound().get(0));
        assertEquals(profile, StoredForm.fromJson(ResourceCodec.toJson(profile)));
    }

    @Test
    void aWrongApiVersionIsOneErrorLine() {
        assertRefused("resource 1 (IPPool): apiVersion: 'v1' is not an API jcalico reads IPPool in (expected projectcalico.org/v3)",
                "apiVersion: v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16}\n");
        assertRefused("resource 1 (Namespace): apiVersion: 'projectcalico.org/v3' is not an API jcalico reads Namespace in"
                + " (expected v1)", V3 + "kind: Namespace\nmetadata: {name: a}\n");
        assertRefused("resource 1 (NetworkPolicy): apiVersion: 'v1' is not an API jcalico reads NetworkPolicy in (expected"
                + " networking.k8s.io/v1 or projectcalico.org/v3)", "apiVersion: v1\nkind: NetworkPolicy\nmetadata: {name: a}\n");
        assertRefused("resource 1 (HostEndpoint): unknown kind 'HostEndpoint' (known: " + String.join(", ", Kinds.names()) + ")",
                V3 + "kind: HostEndpoint\nmetadata: {name: a}\n");
    }

    /** The resource reads from both forms, and prints as exactly the v3 text. */
    private static void assertForm(Resource resource, String v3, String flat) {
        assertEquals(resource, read(v3), "v3 form");
        assertEquals(resource, read(flat), "flat form");
        assertEquals(v3, ResourceCodec.toYaml(List.of(resource)));
        assertEquals(List.of(resource), ResourceCodec.decodeAll(ResourceCodec.toPrettyJson(List.of(resource), false)));
    }

    private static Resource read(String text) {
        return ResourceCodec.decodeAll(text).get(0);
    }

    private static void assertRefused(String message, String text) {
        assertEquals(message, assertThrows(ValidationException.class, () -> ResourceCodec.decodeAll(text)).getMessage());
    }
}
