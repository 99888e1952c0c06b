package org.jcalico.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.lab.Lab;
import org.jcalico.lab.LabLayout;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ResourceCodec;
import org.jcalico.model.WorkloadEndpoint;
import org.jcalico.util.Directories;

/**
 * A lab for a functional test: built fresh (after removing any leftovers of an earlier run by its name), and torn
 * down with its logs by {@link #close}. Its name is the test's after JCALICO_TEST_NS_PREFIX ({@link TestNamespaces#lab}): a test
 * names its lab, and what is named after the lab, through {@link #layout()}. Commands run as real jcalico processes
 * inside the lab's hosts.
 */
public final class LabFixture implements AutoCloseable {
    /** Set before the first lab starts its agents, which get SQLite's library from it too (see {@link CommandJvm}). */
    private static final List<String> COMMAND_JVM = CommandJvm.command();
    private static final String DATAPLANE = "JCALICO_TEST_DATAPLANE";
    private final Lab lab;

    private LabFixture(Lab lab) {
        this.lab = lab;
    }

    public static LabFixture up(String name, int hosts) {
        return up(name, hosts, true);
    }

    public static LabFixture up(String name, int hosts, boolean bgp) {
        return up(name, hosts, bgp, hosts);
    }

    /** A lab laid out for {@code hosts} hosts of which the first {@code started} are up. */
    public static LabFixture up(String name, int hosts, boolean bgp, int started) {
        return up(new LabLayout(TestNamespaces.lab(name), hosts), bgp, started);
    }

    /** A lab with BGP whose datastore is a 3-member etcd cluster of its own. */
    public static LabFixture upOnEtcd(String name, int hosts) {
        return up(new LabLayout(TestNamespaces.lab(name), hosts, true), true, hosts);
    }

    /** A lab with BGP in which each host runs a docker daemon of its own (`lab up --docker`). */
    public static LabFixture upWithDocker(String name, int hosts) {
        assumeTrue(CommandRunner.local().run("which", "dockerd").ok(), "docker.io is not installed");
        return up(new LabLayout(TestNamespaces.lab(name), hosts), true, hosts, true);
    }

    private static LabFixture up(LabLayout layout, boolean bgp, int started) {
        return up(layout, bgp, started, false);
    }

    private static LabFixture up(LabLayout layout, boolean bgp, int started, boolean docker) {
        String name = layout.name();
        assumeTrue("root".equals(System.getProperty("user.name")), "functional tests need root");
        Namespaces.deleteAll(name + "-");
        Lab lab = new Lab(layout, bgp, docker, line -> System.out.println("[lab " + name + "] " + line));
        lab.down();
        lab.up(java.util.stream.IntStream.rangeClosed(1, started).boxed().toList());
        LabFixture fixture = new LabFixture(lab);
        String driver = driver();
        if (System.getenv(DATAPLANE) != null) {
            fixture.apply("h1", globalConfiguration(""));
            for (int index = 1; index <= started; index++) {
                fixture.awaitDriver(index, driver);
            }
        }
        return fixture;
    }

    /**
     * The dataplane driver every lab's agents start on: iptables (FelixConfiguration's default), or that named by
     * JCALICO_TEST_DATAPLANE, which puts each lab on it by a global FelixConfiguration once its hosts are up, so that
     * the functional tests can be run whole on nftables (a test that writes the global configuration itself replaces it).
     */
    public static String driver() {
        String named = System.getenv(DATAPLANE);
        if (named == null || named.equals("iptables") || named.equals("nftables")) {
            return named == null ? "iptables" : named;
        }
        throw new IllegalStateException(DATAPLANE + " must be iptables or nftables, not '" + named + "'");
    }

    /**
     * The global FelixConfiguration with FIELDS (YAML lines), as a test writes it, with the driver JCALICO_TEST_DATAPLANE
     * names unless FIELDS name one: a FelixConfiguration replaces the one of its name whole, so a test's own would
     * otherwise put the lab back on iptables, unseen, in a run meant for nftables.
     */
    public static String globalConfiguration(String fields) {
        String yaml = "kind: FelixConfiguration\nname: global\n" + fields;
        return System.getenv(DATAPLANE) == null || fields.contains("dataplaneDriver:") ? yaml
                : yaml + "dataplaneDriver: " + driver() + "\n";
    }

    /** The driver that is not {@link #driver()}: a test moves a host to it to cover both in one lab. */
    public static String otherDriver() {
        return driver().equals("iptables") ? "nftables" : "iptables";
    }

    public Lab lab() {
        return lab;
    }

    public LabLayout layout() {
        return lab.layout();
    }

    /** Runs `jcalico ARGS` on the host and returns what happened, whatever the exit status. */
    public CommandRunner.Result run(String host, String... args) {
        return runWith(List.of(), host, args);
    }

    /** Runs `jcalico ARGS` on the host with extra environment variables ("NAME=VALUE"). */
    public CommandRunner.Result runWith(List<String> environment, String host, String... args) {
        List<String> command = new ArrayList<>(List.of("env"));
        command.addAll(environment);
        command.addAll(COMMAND_JVM);
        command.addAll(List.of(args));
        return lab.exec(host, command);
    }

    /** Runs `jcalico ARGS` on the host; fails the test with its error output unless it succeeds. */
    public String jc(String host, String... args) {
        return jcWith(List.of(), host, args);
    }

    /** As {@link #jc}, with extra environment variables ("NAME=VALUE"). */
    public String jcWith(List<String> environment, String host, String... args) {
        CommandRunner.Result result = runWith(environment, host, args);
        if (!result.ok()) {
            fail("jcalico " + String.join(" ", args) + " on " + host + " failed (" + result.exitCode() + "): "
                    + result.stderr() + result.stdout());
        }
        return result.stdout();
    }

    /** Applies resources given as YAML text, from a file in the lab's state directory. */
    public void apply(String host, String yaml) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile(layout().stateDir(), "apply", ".yaml");
            java.nio.file.Files.writeString(file, yaml);
            jc(host, "apply", "-f", file.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Whether the host namespace HOST holds jcalico's state of DRIVER (FelixConfiguration's dataplaneDriver,
     * "iptables" or "nftables") and none of the other's: an agent switched drivers removes the old one's state.
     */
    public boolean programsOnly(String host, String driver) {
        boolean nft = in(host, "nft", "list", "tables").stdout().contains("jcalico");
        boolean iptables = in(host, "iptables-save").stdout().contains(":jc-FORWARD");
        return driver.equals("nftables") ? nft && !iptables : iptables && !nft;
    }

    /**
     * Puts host INDEX's agent on DRIVER by a FelixConfiguration of its node ("node.NAME": the others keep theirs) and
     * waits until its kernel holds that driver's state alone. A lab whose hosts run both drivers carries every case
     * between hosts through both, each way, at no more cost than the lab itself.
     */
    public void useDriver(int index, String driver) {
        apply("h" + index, "kind: FelixConfiguration\nname: " + FelixConfiguration.NODE_PREFIX + layout().nodeName(index)
                + "\ndataplaneDriver: " + driver + "\n");
        awaitDriver(index, driver);
    }

    private void awaitDriver(int index, String driver) {
        String host = layout().host(index);
        if (!Eventually.within(30, () -> programsOnly(host, driver))) {
            fail(host + "'s agent is not on " + driver);
        }
    }

    /** Everything of jcalico's filter the host namespace holds, whichever the driver: both families' rules, sets, maps. */
    public String filterState(String host) {
        return in(host, "iptables-save").check().stdout() + in(host, "ip6tables-save").check().stdout()
                + in(host, "nft", "list", "ruleset").check().stdout();
    }

    /** Whether jcalico's IPv4 address set SET on the host holds ADDRESS, as an ipset or as the nftables driver's set. */
    public boolean setHolds(String host, String set, String address) {
        return in(host, "ipset", "test", set, address).ok()
                || in(host, "nft", "get", "element", "ip", "jcalico", set, "{ " + address + " }").ok();
    }

    /** The rules of jcalico's IPv4 filter chain CHAIN on the host, whichever driver holds it (nothing when neither). */
    public String chainRules(String host, String chain) {
        return in(host, "iptables", "-S", chain).stdout() + in(host, "nft", "list", "chain", "ip", "jcalico", chain).stdout();
    }

    /** The connections the host namespace tracks from or to the address. */
    public String flowsOf(String host, String address) {
        return (in(host, "conntrack", "-L", "-s", address).stdout() + in(host, "conntrack", "-L", "-d", address).stdout()).strip();
    }

    /**
     * A new workload namespace WORKLOAD attached on HOST with PROFILE (`container add netns:...`, which returns once
     * it is reachable): its IPv4 address.
     */
    public IpAddress addWorkload(String host, String workload, String profile) {
        String namespace = lab.workload(workload);
        jc(host, "container", "add", "netns:" + namespace, "--profile", profile);
        return ResourceCodec.decodeAll(jc(host, "container", "list", "-o", "json")).stream()
                .map(WorkloadEndpoint.class::cast).filter(endpoint -> endpoint.containerId().equals("netns:" + namespace))
                .findFirst().orElseThrow(() -> new AssertionError(workload + " not listed on " + host))
                .ipv4Nets().get(0).network();
    }

    /**
     * The status code and body of an HTTP GET; code 0 when nothing answers, and then curl's error says why (refused: no
     * listener; timed out: a listener that did not answer within the probe's time), for a failing test's message.
     */
    public record Page(int code, String body, String error) {
    }

    /** GET http://127.0.0.1:PORT/PATH inside host {@code index}, as a probe on that host would. */
    public Page page(int index, int port, String path) {
        CommandRunner.Result result = in(layout().host(index), "curl", "-sS", "-m", "5", "-w", "\\n%{http_code}",
                "http://127.0.0.1:" + port + path);
        String out = result.stdout();
        int split = out.lastIndexOf('\n');
        return new Page(Integer.parseInt(out.substring(split + 1).strip()), split < 0 ? "" : out.substring(0, split),
                result.stderr().strip());
    }

    /** Runs a plain command inside one of the lab's namespaces (host or workload). */
    public CommandRunner.Result in(String namespace, String... command) {
        return CommandRunner.inNamespace(namespace).run(command);
    }

    /**
     * Tears the lab down and removes its logs, this run's and an earlier run's ({@link LabLayout#previousLogDir}):
     * `lab down` keeps them for a person to read, but a test's lab left its own in /var/log/jcalico for good, on a
     * machine that runs the suite again and again (what a failing test needs to be read is in its message).
     */
    @Override
    public void close() {
        try {
            lab.down();
        } finally {
            Directories.delete(layout().logDir());
            Directories.delete(layout().previousLogDir());
        }
    }
}
