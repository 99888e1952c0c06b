package org.jcalico.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;
import org.jcalico.util.Shown;

/**
 * An ADD's success result, the same in every version, rendered in the form of the version asked for (0.4.0's IPs
 * name their family; 1.0.0 dropped that). The DNS settings are the configuration's, handed through.
 */
public record CniResult(List<Interface> interfaces, List<Ip> ips, List<Route> routes, JsonNode dns) {
    /** @param sandbox the container's namespace path; empty for an interface on the host */
    public record Interface(String name, String mac, String sandbox) {
    }

    /**
     * An address with its prefix length ("10.65.1.5/24": host bits set, unlike a {@link Cidr}).
     *
     * @param interfaceIndex index into interfaces, or null (an IPAM plugin's result has none)
     */
    public record Ip(IpAddress address, int prefixLength, IpAddress gateway, Integer interfaceIndex) {
        public static Ip parse(String text, IpAddress gateway, Integer interfaceIndex) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new ValidationException("'" + Shown.value(text) + "' is not ADDRESS/PREFIX");
            }
            IpAddress address = IpAddress.parse(text.substring(0, slash));
            return new Ip(address, prefix(text.substring(slash + 1), address), gateway, interfaceIndex);
        }

        private static int prefix(String text, IpAddress address) {
            try {
                int prefix = Integer.parseInt(text);
                if (prefix >= 0 && prefix <= address.bits()) {
                    return prefix;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new ValidationException("'" + Shown.value(text) + "' is not a prefix length of " + address);
        }

        @Override
        public String toString() {
            return address + "/" + prefixLength;
        }
    }

    /** @param gateway null: through the interface's gateway */
    public record Route(Cidr destination, IpAddress gateway) {
    }

    public CniResult {
        interfaces = List.copyOf(interfaces);
        ips = List.copyOf(ips);
        routes = List.copyOf(routes);
    }

    public ObjectNode render(String cniVersion) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode result = json.objectNode();
        result.put("cniVersion", cniVersion);
        if (!interfaces.isEmpty()) {
            ArrayNode list = result.putArray("interfaces");
            for (Interface i : interfaces) {
                ObjectNode node = list.addObject().put("name", i.name());
                if (i.mac() != null) {
                    node.put("mac", i.mac());
                }
                if (!i.sandbox().isEmpty()) {
                    node.put("sandbox", i.sandbox());
                }
            }
        }
        ArrayNode list = result.putArray("ips");
        for (Ip ip : ips) {
            ObjectNode node = list.addObject();
            if (CniVersion.ipsCarryFamily(cniVersion)) {
                node.put("version", Integer.toString(ip.address().version()));
            }
            node.put("address", ip.toString());
            if (ip.gateway() != null) {
                node.put("gateway", ip.gateway().toString());
            }
            if (ip.interfaceIndex() != null) {
                node.put("interface", ip.interfaceIndex());
            }
        }
        if (!routes.isEmpty()) {
            ArrayNode routeList = result.putArray("routes");
            for (Route route : routes) {
                ObjectNode node = routeList.addObject().put("dst", route.destination().toString());
                if (route.gateway() != null) {
                    node.put("gw", route.gateway().toString());
                }
            }
        }
        result.set("dns", dns == null ? json.objectNode() : dns.deepCopy());
        return result;
    }

    /** A result as another plugin (an IPAM plugin, or the one before jcalico in a chain) gave it, in any version. */
    public static CniResult parse(JsonNode node) {
        try {
            List<Interface> interfaces = new ArrayList<>();
            for (JsonNode i : array(node, "interfaces")) {
                interfaces.add(new Interface(i.path("name").asText(), i.hasNonNull("mac") ? i.get("mac").asText() : null,
                        i.path("sandbox").asText("")));
            }
            List<Ip> ips = new ArrayList<>();
            for (JsonNode ip : array(node, "ips")) {
                ips.add(Ip.parse(ip.path("address").asText(),
                        ip.hasNonNull("gateway") ? IpAddress.parse(ip.get("gateway").asText()) : null,
                        ip.hasNonNull("interface") ? ip.get("interface").asInt() : null));
            }
            List<Route> routes = new ArrayList<>();
            for (JsonNode route : array(node, "routes")) {
                routes.add(new Route(Cidr.parse(route.path("dst").asText()),
                        route.hasNonNull("gw") ? IpAddress.parse(route.get("gw").asText()) : null));
            }
            return new CniResult(interfaces, ips, routes, node.get("dns"));
        } catch (ValidationException e) {
            throw new CniError(CniError.DECODING_FAILURE, "cannot decode a result", e.getMessage());
        }
    }

    private static Iterable<JsonNode> array(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isArray() ? List.of() : value;
    }
}
