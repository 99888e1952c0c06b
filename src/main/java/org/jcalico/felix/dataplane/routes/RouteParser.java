package org.jcalico.felix.dataplane.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.jcalico.felix.hoststate.RouteSpec;
import org.jcalico.model.Cidr;

/** Reads "ip -j route show proto 98" output (one family) back into the route kinds jcalico writes. */
public final class RouteParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RouteParser() {
    }

    public static Set<RouteSpec> parse(String json, int version) {
        Set<RouteSpec> routes = new HashSet<>();
        if (json.isBlank()) {
            return routes;
        }
        JsonNode array;
        try {
            array = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("ip -j route printed no JSON: " + e.getMessage(), e);
        }
        for (JsonNode route : array) {
            Cidr destination = destination(route.path("dst").asText(), version);
            switch (route.path("type").asText("unicast")) {
                case "blackhole" -> routes.add(new RouteSpec(destination, RouteSpec.Type.BLACKHOLE, null));
                case "unreachable" -> routes.add(new RouteSpec(destination, RouteSpec.Type.UNREACHABLE, null));
                case "unicast" -> {
                    if (route.hasNonNull("dev")) {
                        routes.add(RouteSpec.toInterface(destination, route.get("dev").asText()));
                    }
                }
                default -> {
                    // prohibit, throw, ...: jcalico never writes these, and no one else should tag routes 98
                }
            }
        }
        return routes;
    }

    /** ip prints a host route without its prefix length, and the whole space as "default". */
    private static Cidr destination(String dst, int version) {
        if (dst.equals("default")) {
            return Cidr.parse(version == 4 ? "0.0.0.0/0" : "::/0");
        }
        return Cidr.parseHostOrNet(dst);
    }
}
