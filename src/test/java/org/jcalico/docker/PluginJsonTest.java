package org.jcalico.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

/**
 * The plugin's JSON without databind: every answer byte for byte as databind wrote it before (the expected texts are
 * databind's output for the same answers at fca604e), and requests read with what dockerd sends besides skipped.
 */
class PluginJsonTest {
    @Test
    void everyAnswerIsWhatDatabindWrote() {
        assertEquals("{\"Err\":\"jcalico: \\\"x\\\" \\\\ é\\u0001\\t/\",\"Error\":\"jcalico: \\\"x\\\" \\\\ é\\u0001\\t/\"}",
                text(new Protocol.Failure("jcalico: \"x\" \\ é\u0001\t/")));
        assertEquals("{\"Implements\":[\"NetworkDriver\",\"IpamDriver\"]}", text(new Protocol.Activate(List.of("NetworkDriver", "IpamDriver"))));
        assertEquals("{\"Scope\":\"local\",\"ConnectivityScope\":\"local\"}", text(new Protocol.Capabilities("local", "local")));
        assertEquals("{}", text(new Protocol.CreateEndpointAnswer()));
        assertEquals("{}", text(Protocol.NOTHING));
        Protocol.InterfaceName name = new Protocol.InterfaceName("jcp1", "eth");
        assertEquals("{\"InterfaceName\":{\"SrcName\":\"jcp1\",\"DstPrefix\":\"eth\"},\"Gateway\":\"169.254.1.2\",\"StaticRoutes\":"
                + "[{\"Destination\":\"169.254.1.2/32\",\"RouteType\":1,\"NextHop\":\"\"}],\"DisableGatewayService\":true}",
                text(new Protocol.JoinAnswer(name, "169.254.1.2", null, List.of(Protocol.StaticRoute.connected("169.254.1.2/32")), true)));
        assertEquals("{\"InterfaceName\":{\"SrcName\":\"jcp1\",\"DstPrefix\":\"eth\"},\"Gateway\":\"169.254.1.2\",\"GatewayIPv6\":\"fe80::1\","
                + "\"StaticRoutes\":[{\"Destination\":\"169.254.1.2/32\",\"RouteType\":1,\"NextHop\":\"\"},{\"Destination\":\"fe80::1/128\","
                + "\"RouteType\":1,\"NextHop\":\"\"}],\"DisableGatewayService\":true}",
                text(new Protocol.JoinAnswer(name, "169.254.1.2", "fe80::1", List.of(Protocol.StaticRoute.connected("169.254.1.2/32"),
                        Protocol.StaticRoute.connected("fe80::1/128")), true)));
        assertEquals("{\"InterfaceName\":{\"SrcName\":\"jcp1\",\"DstPrefix\":\"eth\"},\"GatewayIPv6\":\"fe80::1\",\"StaticRoutes\":"
                + "[{\"Destination\":\"fe80::1/128\",\"RouteType\":1,\"NextHop\":\"\"}],\"DisableGatewayService\":true}",
                text(new Protocol.JoinAnswer(name, null, "fe80::1", List.of(Protocol.StaticRoute.connected("fe80::1/128")), true)));
        assertEquals("{\"Value\":{}}", text(new Protocol.OperInfo()));
        assertEquals("{\"RequiresMACAddress\":false,\"RequiresRequestReplay\":false}", text(new Protocol.IpamCapabilities(false, false)));
        assertEquals("{\"LocalDefaultAddressSpace\":\"jcalico\",\"GlobalDefaultAddressSpace\":\"jcalico\"}",
                text(new Protocol.AddressSpaces("jcalico", "jcalico")));
        assertEquals("{\"PoolID\":\"jcalico-4-0.0.0.0/0\",\"Pool\":\"0.0.0.0/0\",\"Data\":{}}",
                text(new Protocol.PoolAnswer("jcalico-4-0.0.0.0/0", "0.0.0.0/0")));
        assertEquals("{\"Address\":\"10.65.0.1/32\",\"Data\":{}}", text(new Protocol.AddressAnswer("10.65.0.1/32")));
    }

    @Test
    void requestsAreReadByDockersNamesAndTheRestSkipped() {
        Protocol.CreateNetwork network = Protocol.CreateNetwork.of(read("{\"NetworkID\":\"n1\",\"Options\":{\"com.docker.network.enable_ipv6\":"
                + "false,\"com.docker.network.generic\":{\"mtu\":\"1400\"}},\"IPv4Data\":[{\"AddressSpace\":\"jcalico\",\"Pool\":\"0.0.0.0/0\","
                + "\"Gateway\":\"169.254.1.1/32\",\"AuxAddresses\":null}],\"IPv6Data\":[],\"Unknown\":[1,2.5,{\"a\":[true]}]}", "CreateNetwork"));
        assertEquals("n1", network.networkId());
        assertEquals(Map.of("com.docker.network.enable_ipv6", false, "com.docker.network.generic", Map.of("mtu", "1400")), network.options());
        assertEquals(List.of(new Protocol.IpamData("jcalico", "0.0.0.0/0", "169.254.1.1/32")), network.ipv4Data());
        assertEquals(List.of(), network.ipv6Data());
        Protocol.CreateEndpoint endpoint = Protocol.CreateEndpoint.of(read("{\"NetworkID\":\"n1\",\"EndpointID\":\"e1\",\"Interface\":"
                + "{\"Address\":\"10.65.0.1/32\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},\"Options\":{}}", "CreateEndpoint"));
        assertEquals(new Protocol.EndpointInterface("10.65.0.1/32", "", ""), endpoint.iface());
        assertNull(Protocol.CreateEndpoint.of(read("{}", "CreateEndpoint")).iface());
        Protocol.RequestPool pool = Protocol.RequestPool.of(read("{\"AddressSpace\":\"jcalico\",\"Pool\":\"\",\"SubPool\":\"\",\"Options\":"
                + "{\"k\":\"v\"},\"V6\":true}", "RequestPool"));
        assertEquals(new Protocol.RequestPool("jcalico", "", "", Map.of("k", "v"), true), pool);
        assertFalse(Protocol.RequestPool.of(read("", "RequestPool")).v6(), "an empty body is the empty object");
        assertEquals("5", Protocol.NetworkRef.of(read("{\"NetworkID\":5}", "NetworkRef")).networkId(), "a scalar is its text, as databind took it");
    }

    @Test
    void aMalformedRequestIsOneClearRefusal() {
        assertEquals("malformed Join request: Unexpected end-of-input: expected close marker for Object (start marker at [Source: "
                + "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
                assertThrows(ValidationException.class, () -> read("{\"NetworkID\":\"n1\"", "Join")).getMessage());
        assertTrue(assertThrows(ValidationException.class, () -> Protocol.Join.of(read("{\"EndpointID\":{}}", "Join")))
                .getMessage().startsWith("malformed Join request: EndpointID"));
        assertTrue(assertThrows(ValidationException.class, () -> Protocol.CreateNetwork.of(read("{\"IPv4Data\":{}}", "CreateNetwork")))
                .getMessage().startsWith("malformed CreateNetwork request: IPv4Data"));
        assertThrows(ValidationException.class, () -> read("[]", "Join"));
        assertThrows(ValidationException.class, () -> Protocol.RequestPool.of(read("{\"V6\":\"yes\"}", "RequestPool")));
    }

    private static PluginJson.Fields read(String json, String type) {
        return PluginJson.read(json.getBytes(StandardCharsets.UTF_8), type);
    }

    private static String text(PluginJson.Body body) {
        return new String(PluginJson.write(body), StandardCharsets.UTF_8);
    }
}
