package org.jcalico.docker;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The JSON of docker's plugin protocols as libnetwork's remote driver and remote IPAM speak them (libnetwork
 * docs/remote.md and docs/ipam.md; field names as docker writes them). Requests carry only what jcalico reads, each
 * read from its fields by {@code of}; answers are written whole by {@link Answer#write}, field by field in the
 * order docker has always been sent them. An error is the answer {@link Failure}: docker shows its text.
 */
public final class Protocol {
    private Protocol() {
    }

    /** An answer: its JSON object's fields. */
    public interface Answer extends PluginJson.Body {
    }

    /** The answer of a call that has nothing to say: {}. */
    static final Answer NOTHING = json -> {
    };

    /** The network driver's calls read an error from "Err", the IPAM driver's from "Error": the one answer has both. */
    public record Failure(String err, String error) implements Answer {
        public Failure(String message) {
            this(message, message);
        }

        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeStringField("Err", err);
            json.writeStringField("Error", error);
        }
    }

    public record Activate(List<String> implementsApis) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeArrayFieldStart("Implements");
            for (String api : implementsApis) {
                json.writeString(api);
            }
            json.writeEndArray();
        }
    }

    public record Capabilities(String scope, String connectivityScope) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeStringField("Scope", scope);
            json.writeStringField("ConnectivityScope", connectivityScope);
        }
    }

    public record IpamData(String addressSpace, String pool, String gateway) {
        static IpamData of(PluginJson.Fields fields) {
            return new IpamData(fields.text("AddressSpace"), fields.text("Pool"), fields.text("Gateway"));
        }
    }

    public record CreateNetwork(String networkId, Map<String, Object> options, List<IpamData> ipv4Data, List<IpamData> ipv6Data) {
        static CreateNetwork of(PluginJson.Fields fields) {
            return new CreateNetwork(fields.text("NetworkID"), fields.map("Options"), ipam(fields.objects("IPv4Data")),
                    ipam(fields.objects("IPv6Data")));
        }

        private static List<IpamData> ipam(List<PluginJson.Fields> data) {
            return data == null ? null : data.stream().map(IpamData::of).toList();
        }
    }

    public record NetworkRef(String networkId) {
        static NetworkRef of(PluginJson.Fields fields) {
            return new NetworkRef(fields.text("NetworkID"));
        }
    }

    public record EndpointInterface(String address, String addressIpv6, String macAddress) {
        static EndpointInterface of(PluginJson.Fields fields) {
            return fields == null ? null
                    : new EndpointInterface(fields.text("Address"), fields.text("AddressIPv6"), fields.text("MacAddress"));
        }
    }

    public record CreateEndpoint(String networkId, String endpointId, EndpointInterface iface, Map<String, Object> options) {
        static CreateEndpoint of(PluginJson.Fields fields) {
            return new CreateEndpoint(fields.text("NetworkID"), fields.text("EndpointID"),
                    EndpointInterface.of(fields.object("Interface")), fields.map("Options"));
        }
    }

    /** jcalico takes the addresses docker gives, so its answer has no Interface. */
    public record CreateEndpointAnswer() implements Answer {
        @Override
        public void write(JsonGenerator json) {
        }
    }

    public record EndpointRef(String networkId, String endpointId) {
        static EndpointRef of(PluginJson.Fields fields) {
            return new EndpointRef(fields.text("NetworkID"), fields.text("EndpointID"));
        }
    }

    public record Join(String networkId, String endpointId, String sandboxKey) {
        static Join of(PluginJson.Fields fields) {
            return new Join(fields.text("NetworkID"), fields.text("EndpointID"), fields.text("SandboxKey"));
        }
    }

    public record InterfaceName(String srcName, String dstPrefix) {
    }

    /** RouteType 1: a route to a destination on the interface's link, with no next hop. */
    public record StaticRoute(String destination, int routeType, String nextHop) {
        public static StaticRoute connected(String destination) {
            return new StaticRoute(destination, 1, "");
        }
    }

    /** Gateway and GatewayIPv6 are left out when null (the network has no such address family). */
    public record JoinAnswer(InterfaceName interfaceName, String gateway, String gatewayIpv6, List<StaticRoute> staticRoutes,
                             boolean disableGatewayService) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeObjectFieldStart("InterfaceName");
            json.writeStringField("SrcName", interfaceName.srcName());
            json.writeStringField("DstPrefix", interfaceName.dstPrefix());
            json.writeEndObject();
            PluginJson.optional(json, "Gateway", gateway);
            PluginJson.optional(json, "GatewayIPv6", gatewayIpv6);
            json.writeArrayFieldStart("StaticRoutes");
            for (StaticRoute route : staticRoutes) {
                json.writeStartObject();
                json.writeStringField("Destination", route.destination());
                json.writeNumberField("RouteType", route.routeType());
                json.writeStringField("NextHop", route.nextHop());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeBooleanField("DisableGatewayService", disableGatewayService);
        }
    }

    /** EndpointOperInfo: jcalico has nothing to add to what docker shows of an endpoint. */
    public record OperInfo() implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeObjectFieldStart("Value");
            json.writeEndObject();
        }
    }

    public record IpamCapabilities(boolean requiresMacAddress, boolean requiresRequestReplay) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeBooleanField("RequiresMACAddress", requiresMacAddress);
            json.writeBooleanField("RequiresRequestReplay", requiresRequestReplay);
        }
    }

    public record AddressSpaces(String local, String global) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeStringField("LocalDefaultAddressSpace", local);
            json.writeStringField("GlobalDefaultAddressSpace", global);
        }
    }

    public record RequestPool(String addressSpace, String pool, String subPool, Map<String, String> options, boolean v6) {
        static RequestPool of(PluginJson.Fields fields) {
            return new RequestPool(fields.text("AddressSpace"), fields.text("Pool"), fields.text("SubPool"),
                    fields.strings("Options"), fields.flag("V6"));
        }
    }

    /** Data is always empty: jcalico's pools carry nothing more for docker. */
    public record PoolAnswer(String poolId, String pool) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeStringField("PoolID", poolId);
            json.writeStringField("Pool", pool);
            json.writeObjectFieldStart("Data");
            json.writeEndObject();
        }
    }

    public record RequestAddress(String poolId, String address, Map<String, String> options) {
        static RequestAddress of(PluginJson.Fields fields) {
            return new RequestAddress(fields.text("PoolID"), fields.text("Address"), fields.strings("Options"));
        }
    }

    /** Data is always empty, as in {@link PoolAnswer}. */
    public record AddressAnswer(String address) implements Answer {
        @Override
        public void write(JsonGenerator json) throws IOException {
            json.writeStringField("Address", address);
            json.writeObjectFieldStart("Data");
            json.writeEndObject();
        }
    }

    public record ReleaseAddress(String poolId, String address) {
        static ReleaseAddress of(PluginJson.Fields fields) {
            return new ReleaseAddress(fields.text("PoolID"), fields.text("Address"));
        }
    }
}
