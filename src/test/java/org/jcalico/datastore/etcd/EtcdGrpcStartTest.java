package org.jcalico.datastore.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServerFactory;
import org.eclipse.jetty.util.MemoryUtils;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.JavaProcess;
import org.junit.jupiter.api.Test;

/**
 * The gRPC client of the agent's first listing starts without the JVM's platform MBean server: Jetty's first use
 * (MemoryUtils) made that server to ask whether references are compressed, and the server registered every platform
 * MBean (JMX, JFR's diagnostic commands, java.util.logging: about 400 classes loaded on the agent's start before its
 * listing; docs/agent.md, "Start-up of the agent", session 37). Jetty is told the same answer. Each case runs in a JVM
 * of its own, which nothing else has touched.
 */
public class EtcdGrpcStartTest {
    @Test
    void theListingsClientStartsWithoutThePlatformMBeanServerAndJettyGetsTheSameAnswer() {
        List<String> client = probe("client").stream().filter(line -> !line.startsWith("[")).toList();
        assertEquals("MBean servers: 0", client.get(0), "the client made no MBean server: " + client);
        List<String> jetty = probe("jetty").stream().filter(line -> !line.startsWith("[")).toList();
        assertEquals("MBean servers: 1", jetty.get(0), "Jetty alone makes the platform MBean server: " + jetty);
        assertEquals(jetty.get(1), client.get(1), "Jetty's references per cache line as it computes them itself");
    }

    /**
     * Over plain HTTP the listing's client reads no CA certificates: Jetty's connector, given no TLS factory, made one
     * of the JDK's defaults and started it, which reads and parses the JDK's whole CA bundle though nothing speaks TLS
     * (as the JSON client did until it got a context of its own: now NoTls).
     */
    @Test
    void overPlainHttpTheListingsClientReadsNoCaCertificates() {
        List<String> loaded = probe("client");
        assertTrue(loaded.stream().anyMatch(line -> line.contains(" org.eclipse.jetty.http2.client.HTTP2Client ")),
                "the client started: " + loaded.size() + " lines");
        assertEquals(List.of(), loaded.stream().filter(line -> line.contains(" sun.security.ssl.TrustStoreManager ")).toList(),
                "the JDK's trust store was not read");
    }

    /**
     * Over plain HTTP neither etcd client sets up TLS: both had a real JSSE context (one that trusted nothing), whose
     * set-up loaded the JDK's TLS code, about 400 classes that every etcd agent's AOT cache then listed, mapped and
     * linked though nothing speaks TLS (docs/agent.md, "Memory", session 39).
     */
    @Test
    void overPlainHttpNeitherClientLoadsTheJdksTlsCode() {
        List<String> loaded = probe("client");
        assertTrue(loaded.stream().anyMatch(line -> line.contains(" org.eclipse.jetty.http2.client.HTTP2Client ")),
                "the client started: " + loaded.size() + " lines");
        List<String> tls = loaded.stream().filter(line -> line.contains(" sun.security.ssl.")).toList();
        assertEquals(0, tls.size(), "classes of the JDK's TLS loaded, the first: " + tls.subList(0, Math.min(3, tls.size())));
    }

    /** Runs {@link Probe} in a JVM of the agent's collector and heap flags, as the agent's JVM would compress references. */
    private static List<String> probe(String what) {
        CommandRunner.Result result = CommandRunner.local().run(JavaProcess.withAgentFlags(List.of("-Xlog:class+load"), Probe.class, what));
        assertEquals(0, result.exitCode(), result.stderr());
        return result.stdout().lines().toList();
    }

    /** "client": starts and stops the listing's gRPC client (no etcd needed); "jetty": Jetty's MemoryUtils alone. */
    public static final class Probe {
        public static void main(String[] args) {
            if (args[0].equals("client")) {
                EtcdEndpoint endpoint = EtcdEndpoint.parse("etcd://127.0.0.1:9", Map.of());
                new EtcdGrpc(endpoint, new EtcdClient(endpoint)).close();
            }
            int references = MemoryUtils.getReferencesPerCacheLine();
            System.out.println("MBean servers: " + MBeanServerFactory.findMBeanServer(null).size());
            System.out.println("references per cache line: " + references + " (" + ManagementFactory.getRuntimeMXBean().getVmName() + ")");
        }
    }
}
