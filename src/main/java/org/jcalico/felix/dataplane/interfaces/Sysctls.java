package org.jcalico.felix.dataplane.interfaces;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.kernel.CommandText;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Link;
import org.jcalico.util.Shown;

/** The kernel settings jcalico needs, as sysctl keys and values, and the reading of sysctl's output. */
public final class Sysctls {
    private static final java.util.regex.Pattern INTERFACE_NAME = java.util.regex.Pattern.compile("[^/=\\s\\p{Cntrl}\\x{80}-\\x{9f}\\x{2028}\\x{2029}]{1,15}");
    private Sysctls() {
    }

    /** The host routes between its endpoints and the world. */
    public static Map<String, String> global() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("net.ipv4.ip_forward", "1");
        settings.put("net.ipv6.conf.all.forwarding", "1");
        return settings;
    }

    /** One per-interface setting: net.FAMILY.GROUP.INTERFACE.NAME = VALUE. */
    private record Setting(String family, String group, String name, String value) {
        String key(String interfacePart) {
            return "net." + family + "." + group + "." + interfacePart + "." + name;
        }
    }

    /**
     * IPv4: the host side has no address; it answers the container's ARP for its gateway by proxy ARP, at once rather
     * than after the default random delay of up to 0.8 s. IPv6: the container's gateway is the host side's link-local
     * address (from its fixed MAC), which must be usable at once, so no duplicate address detection (every host-side
     * veth has the same address, each on its own link); router advertisements are not taken from a container.
     */
    private static final List<Setting> IPV4 = List.of(new Setting("ipv4", "conf", "forwarding", "1"),
            new Setting("ipv4", "conf", "proxy_arp", "1"), new Setting("ipv4", "neigh", "proxy_delay", "0"));
    private static final List<Setting> IPV6 = List.of(new Setting("ipv6", "conf", "disable_ipv6", "0"),
            new Setting("ipv6", "conf", "accept_dad", "0"), new Setting("ipv6", "conf", "accept_ra", "0"),
            new Setting("ipv6", "conf", "forwarding", "1"));
    private static final List<Setting> BOTH = java.util.stream.Stream.concat(IPV4.stream(), IPV6.stream()).toList();

    /** The settings of the endpoint's families, by key, in the order they are written. */
    public static Map<String, String> forInterface(EndpointInterface endpoint) {
        String name = keyPart(endpoint.name());
        Map<String, String> settings = new LinkedHashMap<>();
        settings(endpoint).forEach(setting -> settings.put(setting.key(name), setting.value()));
        return settings;
    }

    /** Takes a setting to check: its key and value, and whether the links dump showed the kernel holding another. */
    interface Unsettled {
        void setting(String key, String value, boolean differs);
    }

    /**
     * Of {@link #forInterface}'s settings, in its order, those that LINK (the endpoint's link as the links dump gave it,
     * or null) does not show in place: a per-interface "conf" one the dump carried with another value (known to differ:
     * written without a read), or one it did not carry (a "neigh" one: its file is read first). One the dump shows in
     * place is left before its key is made: after a forget most are, and a cold start checks thousands.
     */
    static void unsettled(EndpointInterface endpoint, Link link, Unsettled unsettled) {
        String name = keyPart(endpoint.name());
        for (Setting setting : settings(endpoint)) {
            String kernel = link != null && setting.group().equals("conf") ? link.conf(setting.family(), setting.name()) : null;
            if (!setting.value().equals(kernel)) {
                unsettled.setting(setting.key(name), setting.value(), kernel != null);
            }
        }
    }

    private static List<Setting> settings(EndpointInterface endpoint) {
        return endpoint.ipv4() && endpoint.ipv6() ? BOTH : endpoint.ipv4() ? IPV4 : endpoint.ipv6() ? IPV6 : List.of();
    }

    /**
     * sysctl writes a dot inside an interface name as a slash (eth0.100 -> net.ipv4.conf.eth0/100.proxy_arp). A name
     * the kernel cannot have is refused rather than turned into a key: "..", a slash, "=" or a blank would name another
     * file under /proc/sys or another setting.
     */
    static String keyPart(String interfaceName) {
        if (!INTERFACE_NAME.matcher(interfaceName).matches() || interfaceName.equals(".") || interfaceName.equals("..")) {
            throw new KernelException("refused to write sysctls for the interface '" + Shown.value(interfaceName)
                    + "': not an interface name (1 to 15 characters, no '/', '=', blank or control character)");
        }
        return interfaceName.replace('.', '/');
    }

    /** "key = value" lines, as "sysctl -e KEY..." prints them. */
    public static Map<String, String> parse(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int equals = line.indexOf(" = ");
            if (equals > 0) {
                values.put(line.substring(0, equals).strip(), line.substring(equals + 3).strip());
            }
        }
        return values;
    }

    /** /proc/sys/net/ipv4/conf/eth0.100/proxy_arp for net.ipv4.conf.eth0/100.proxy_arp: dots and slashes swap. */
    public static String path(String key) {
        StringBuilder path = new StringBuilder("/proc/sys/");
        for (char c : key.toCharArray()) {
            path.append(c == '.' ? '/' : c == '/' ? '.' : c);
        }
        return path.toString();
    }

    /** One "sysctl -w" of all settings: for a one-off setup (a bench's floor), not the agent's changes. */
    public static List<String> writeCommand(Map<String, String> settings) {
        List<String> command = new ArrayList<>(List.of("sysctl", "-w"));
        settings.forEach((key, value) -> command.add(key + "=" + value));
        return command;
    }
}
