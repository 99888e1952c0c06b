package org.jcalico.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Shown;
import org.jcalico.workload.VethAttacher;

/**
 * CHECK's look at the kernel: is the attachment there as its endpoint record says (the host side of the veth, the
 * container's interface with the endpoint's addresses and MAC, the default routes through jcalico's gateways)?
 */
public final class HostProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CommandRunner host;

    public HostProbe(CommandRunner host) {
        this.host = host;
    }

    /** What is not as recorded, or empty. */
    Optional<String> problem(CniRequest request, WorkloadEndpoint endpoint) {
        if (!host.run("ip", "link", "show", "dev", endpoint.interfaceName()).ok()) {
            return Optional.of("the host side " + Shown.value(endpoint.interfaceName()) + " of the veth is gone");
        }
        if (!Files.exists(request.netns())) {
            return Optional.of("the container's namespace " + Shown.value(request.netns()) + " is gone");
        }
        CommandRunner inside = CommandRunner.atPath(request.netns().toString());
        CommandRunner.Result link = inside.run("ip", "-j", "addr", "show", "dev", request.ifname());
        if (!link.ok()) {
            return Optional.of("the container has no interface " + request.ifname());
        }
        JsonNode device = read(link.stdout()).path(0);
        if (endpoint.mac() != null && !endpoint.mac().equals(device.path("address").asText())) {
            return Optional.of(request.ifname() + " has MAC " + Shown.value(device.path("address").asText()) + ", not " + Shown.value(endpoint.mac()));
        }
        Set<Cidr> present = new HashSet<>();
        for (JsonNode address : device.path("addr_info")) {
            IpAddress ip = IpAddress.parseOrNull(address.path("local").asText());
            if (ip != null && address.path("prefixlen").asInt(-1) == ip.bits()) {
                present.add(Cidr.host(ip));
            }
        }
        for (Cidr net : endpoint.nets()) {
            if (!present.contains(net)) {
                return Optional.of(request.ifname() + " lacks the address " + net);
            }
            String gateway = net.version() == 4 ? VethAttacher.IPV4_GATEWAY : VethAttacher.IPV6_GATEWAY;
            JsonNode routes = read(inside.run("ip", "-j", "-" + net.version(), "route", "show", "default").stdout());
            boolean routed = false;
            for (JsonNode route : routes) {
                routed |= gateway.equals(route.path("gateway").asText()) && request.ifname().equals(route.path("dev").asText());
            }
            if (!routed) {
                return Optional.of("the container has no default route via " + gateway + " on " + request.ifname());
            }
        }
        return Optional.empty();
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json.isBlank() ? "[]" : json);
        } catch (java.io.IOException e) {
            return JSON.createArrayNode();
        }
    }
}
