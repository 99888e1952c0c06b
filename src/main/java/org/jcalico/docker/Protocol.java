package org.jcalico.docker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The JSON of docker's plugin protocols as libnetwork's remote driver and remote IPAM speak them (libnetwork
 * docs/remote.md and docs/ipam.md; field names as docker writes them). Requests carry only what jcalico reads;
 * answers are written whole. An error is the answer {@link Failure}: docker shows its text.
 */
public final class Protocol {
    private Protocol() {
    }

    /**
     * An id the later calls name the object by. dockerd's plugin client sends a call again with an empty body when the
     * connection broke under it (the agent killed meanwhile): such a call is malformed, not an internal error.
     */
    private static void required(String id, String field) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException(field + " is missing");
        }
    }

    /** The network driver's calls read an error from "Err", the IPAM driver's from "Error": the one answer has both. */
    public record Failure(@JsonProperty("Err") String err, @JsonProperty("Error") String error) {
        public Failure(String message) {
            this(message, message);
        }
    }

    public record Activate(@JsonProperty("Implements") List<String> implementsApis) {
    }

    public record Capabilities(@JsonProperty("Scope") String scope, @JsonProperty("ConnectivityScope") String connectivityScope) {
    }

    public record IpamData(@JsonProperty("AddressSpace") String addressSpace, @JsonProperty("Pool") String pool,
                           @JsonProperty("Gateway") String gateway) {
    }

    public record CreateNetwork(@JsonProperty("NetworkID") String networkId, @JsonProperty("Options") Map<String, Object> options,
                                @JsonProperty("IPv4Data") List<IpamData> ipv4Data, @JsonProperty("IPv6Data") List<IpamData> ipv6Data) {
        public CreateNetwork {
            required(networkId, "NetworkID");
        }
    }

    public record NetworkRef(@JsonProperty("NetworkID") String networkId) {
        public NetworkRef {
            required(networkId, "NetworkID");
        }
    }

    public record EndpointInterface(@JsonProperty("Address") String address, @JsonProperty("AddressIPv6") String addressIpv6,
                                    @JsonProperty("MacAddress") String macAddress) {
    }

    public record CreateEndpoint(@JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId,
                                 @JsonProperty("Interface") EndpointInterface iface, @JsonProperty("Options") Map<String, Object> options) {
        public CreateEndpoint {
            required(networkId, "NetworkID");
            required(endpointId, "EndpointID");
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateEndpointAnswer(@JsonProperty("Interface") EndpointInterface iface) {
    }

    public record EndpointRef(@JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId) {
        public EndpointRef {
            required(endpointId, "EndpointID");
        }
    }

    public record Join(@JsonProperty("NetworkID") String networkId, @JsonProperty("EndpointID") String endpointId,
                       @JsonProperty("SandboxKey") String sandboxKey) {
        public Join {
            required(endpointId, "EndpointID");
        }
    }

    public record InterfaceName(@JsonProperty("SrcName") String srcName, @JsonProperty("DstPrefix") String dstPrefix) {
    }

    /** RouteType 1: a route to a destination on the interface's link, with no next hop. */
    public record StaticRoute(@JsonProperty("Destination") String destination, @JsonProperty("RouteType") int routeType,
                              @JsonProperty("NextHop") String nextHop) {
        public static StaticRoute connected(String destination) {
            return new StaticRoute(destination, 1, "");
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JoinAnswer(@JsonProperty("InterfaceName") InterfaceName interfaceName, @JsonProperty("Gateway") String gateway,
                             @JsonProperty("GatewayIPv6") String gatewayIpv6, @JsonProperty("StaticRoutes") List<StaticRoute> staticRoutes,
                             @JsonProperty("DisableGatewayService") boolean disableGatewayService) {
    }

    public record OperInfo(@JsonProperty("Value") Map<String, Object> value) {
    }

    public record IpamCapabilities(@JsonProperty("RequiresMACAddress") boolean requiresMacAddress,
                                   @JsonProperty("RequiresRequestReplay") boolean requiresRequestReplay) {
    }

    public record AddressSpaces(@JsonProperty("LocalDefaultAddressSpace") String local,
                                @JsonProperty("GlobalDefaultAddressSpace") String global) {
    }

    public record RequestPool(@JsonProperty("AddressSpace") String addressSpace, @JsonProperty("Pool") String pool,
                              @JsonProperty("SubPool") String subPool, @JsonProperty("Options") Map<String, String> options,
                              @JsonProperty("V6") boolean v6) {
    }

    public record PoolAnswer(@JsonProperty("PoolID") String poolId, @JsonProperty("Pool") String pool,
                             @JsonProperty("Data") Map<String, String> data) {
    }

    public record PoolRef(@JsonProperty("PoolID") String poolId) {
    }

    public record RequestAddress(@JsonProperty("PoolID") String poolId, @JsonProperty("Address") String address,
                                 @JsonProperty("Options") Map<String, String> options) {
    }

    public record AddressAnswer(@JsonProperty("Address") String address, @JsonProperty("Data") Map<String, String> data) {
    }

    public record ReleaseAddress(@JsonProperty("PoolID") String poolId, @JsonProperty("Address") String address) {
    }
}
