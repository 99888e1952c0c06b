package org.jcalico.bench;

import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;

/**
 * The bare kernel doing the same work as jcalico: what a host's kernel holds (ipsets, IPv4 and IPv6 rules), restored
 * into a fresh namespace by the kernel's own restore tools, timed. Benchmarks print their figures as ratios to it.
 */
record KernelFloor(String ipsets, String ipv4Rules, String ipv6Rules, long micros) {
    /** Saves HOST's state, deletes HOST's namespace, and times restoring the state into a fresh one, then deletes it. */
    static KernelFloor of(CommandRunner host, String hostNamespace, String bareNamespace) {
        String ipsets = host.run("ipset", "save").check().stdout();
        String v4 = host.run("iptables-save").check().stdout();
        String v6 = host.run("ip6tables-save").check().stdout();
        Namespaces.delete(hostNamespace);
        CommandRunner bare = Namespaces.create(bareNamespace);
        long start = System.nanoTime();
        bare.run(List.of("ipset", "restore"), ipsets).check();
        bare.run(List.of("iptables-restore"), v4).check();
        bare.run(List.of("ip6tables-restore"), v6).check();
        long micros = (System.nanoTime() - start) / 1000;
        Namespaces.delete(bareNamespace);
        return new KernelFloor(ipsets, v4, v6, micros);
    }

    String rules() {
        return ipv4Rules + ipv6Rules;
    }
}
