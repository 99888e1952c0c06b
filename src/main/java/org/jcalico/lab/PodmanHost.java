package org.jcalico.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jcalico.agent.JvmCommand;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Mounts;
import org.jcalico.kernel.Namespaces;

/**
 * podman on one host of a lab, sharing nothing with the machine's own podman: a containers.conf of its own (the CNI
 * backend with this host's plugin and network directories, file locks, events in a file, cgroupfs, no systemd), its
 * own storage (vfs: no mount but each running container's /dev/shm) and a busybox image, all under the lab's state
 * directory. podman runs inside the host's network namespace through nsenter, which keeps the machine's mounts, so
 * that the network namespaces podman makes under /run/netns and its shm mounts are there for its next run.
 */
public record PodmanHost(LabLayout layout, int index) {
    public static final String IMAGE = "busybox";
    /** Where Debian's containernetworking-plugins puts the standard plugins (bridge, ptp, host-local ...). */
    public static final Path STANDARD_PLUGINS = Path.of("/usr/lib/cni");
    /** podman's own default network, written out so that its leases stay under the lab's state, not in /var/lib/cni. */
    public static final String DEFAULT_NETWORK = "podman";
    /** The network of jcalico's plugin that `lab up --podman` installs on every host. */
    public static final String NETWORK = "jcalico";

    /** Whether podman is installed (the demo's podman act and the tests depend on it). */
    public static boolean available() {
        return CommandRunner.local().run("podman", "--version").ok();
    }

    /** Makes podman usable on every host of a lab that is up; on failure the whole lab is removed. */
    public static void setUpAll(Lab lab, Consumer<String> progress) {
        LabLayout layout = lab.layout();
        try {
            Files.createDirectories(root(layout));
            BusyboxRootfs.tar(root(layout).resolve("rootfs"), image(layout));
            for (int index : layout.hostIndexes()) {
                progress.accept("podman on " + layout.host(index) + ": CNI backend, storage of its own, image " + IMAGE);
                new PodmanHost(layout, index).setUp(lab);
            }
        } catch (IOException | RuntimeException e) {
            lab.down();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Sets podman up on a host that joined a lab made with podman; nothing for a lab without. */
    public static void joined(Lab lab, int index) {
        if (Files.exists(image(lab.layout()))) {
            new PodmanHost(lab.layout(), index).setUp(lab);
        }
    }

    /**
     * Removes every podman container of the lab (podman runs each network's CNI DEL inside the host), the network
     * namespaces of any that survived that, and every mount podman left under the lab's state directory.
     */
    public static void tearDownAll(LabLayout layout) {
        Path root = root(layout);
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> hosts = Files.list(root)) {
            hosts.map(dir -> dir.getFileName().toString()).filter(name -> name.matches("h[0-9]+"))
                    .forEach(name -> new PodmanHost(layout, Integer.parseInt(name.substring(1))).tearDown());
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
        Mounts.unmountUnder(root);
    }

    /** This host's podman files. */
    public Path dir() {
        return root(layout).resolve(layout.nodeName(index));
    }

    /** Where this host's podman looks for CNI plugins first (jcalico's), before the standard ones. */
    public Path pluginDir() {
        return dir().resolve("bin");
    }

    /** This host's CNI network configurations (podman's network_config_dir). */
    public Path networkDir() {
        return dir().resolve("net.d");
    }

    /** The variables that point podman at this host's configuration; none when the host has no podman. */
    public List<String> environment() {
        if (!Files.exists(containersConf())) {
            return List.of();
        }
        return List.of("CONTAINERS_CONF=" + containersConf(), "CONTAINERS_STORAGE_CONF=" + dir().resolve("storage.conf"));
    }

    /** Runs podman on this host, inside its network namespace. */
    public CommandRunner.Result podman(String... args) {
        return podman(CommandRunner.inNamespace(layout.host(index)), args);
    }

    private CommandRunner.Result podman(CommandRunner runner, String... args) {
        List<String> command = new ArrayList<>(List.of("env"));
        command.addAll(environment());
        command.add("podman");
        command.addAll(List.of(args));
        return runner.run(command);
    }

    /**
     * Installs jcalico's plugins in this host's plugin directory and a network for them in its network directory,
     * as `jcalico cni install` does on a real host, with the lab's datastore, this node and the lab's run directory.
     * With no profile, the network's endpoints get one named after it.
     */
    public void installNetwork(Lab lab, String network, String... profiles) {
        List<String> command = new ArrayList<>(JvmCommand.jcalico());
        command.addAll(List.of("cni", "install", "--bin-dir", pluginDir().toString(), "--conf-dir", networkDir().toString(),
                "--network", network));
        for (String profile : profiles) {
            command.addAll(List.of("--profile", profile));
        }
        CommandRunner.Result installed = lab.exec(layout.nodeName(index), command);
        if (!installed.ok()) {
            throw new KernelException("jcalico cni install on " + layout.host(index) + ": " + installed.stderr().strip());
        }
    }

    private void setUp(Lab lab) {
        try {
            Files.createDirectories(pluginDir());
            Files.createDirectories(networkDir());
            Files.writeString(dir().resolve("storage.conf"), """
                    [storage]
                    driver = "vfs"
                    graphroot = "%s"
                    runroot = "%s"
                    """.formatted(dir().resolve("storage"), dir().resolve("run")));
            Files.writeString(networkDir().resolve("87-" + DEFAULT_NETWORK + ".conflist"), defaultNetwork());
            Files.writeString(containersConf(), """
                    # podman on lab host %s, sharing nothing with the machine's podman (jcalico lab up --podman)
                    [containers]
                    # the machine refuses podman's default limits
                    default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

                    [network]
                    network_backend = "cni"
                    cni_plugin_dirs = ["%s", "%s"]
                    network_config_dir = "%s"

                    [engine]
                    cgroup_manager = "cgroupfs"
                    events_logger = "file"
                    events_logfile_path = "%s"
                    # shm locks would be shared by every podman of the machine
                    lock_type = "file"
                    tmp_dir = "%s"
                    volume_path = "%s"
                    """.formatted(layout.host(index), pluginDir(), STANDARD_PLUGINS, networkDir(),
                    dir().resolve("events.log"), dir().resolve("tmp"), dir().resolve("volumes")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write podman's configuration in " + dir() + ": " + e.getMessage(), e);
        }
        CommandRunner.Result imported = podman("import", "--quiet", image(layout).toString(), IMAGE);
        if (!imported.ok()) {
            throw new KernelException("podman import on " + layout.host(index) + ": " + imported.stderr().strip());
        }
        installNetwork(lab, NETWORK);
    }

    /** podman's default network as podman 4 makes it, but with host-local's leases in this host's directory. */
    private String defaultNetwork() {
        return """
                {
                  "cniVersion": "0.4.0",
                  "name": "%s",
                  "plugins": [
                    {"type": "bridge", "bridge": "cni-podman0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
                     "ipam": {"type": "host-local", "dataDir": "%s", "routes": [{"dst": "0.0.0.0/0"}],
                              "ranges": [[{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]]}},
                    {"type": "portmap", "capabilities": {"portMappings": true}},
                    {"type": "firewall"},
                    {"type": "tuning"}
                  ]
                }
                """.formatted(DEFAULT_NETWORK, dir().resolve("leases"));
    }

    private void tearDown() {
        if (!Files.exists(containersConf())) {
            return;
        }
        // read-only podman commands are safe anywhere; only the removal (CNI DEL) must run inside the host
        CommandRunner anywhere = CommandRunner.local();
        List<String> containers = lines(podman(anywhere, "ps", "--all", "--quiet"));
        if (containers.isEmpty()) {
            return;
        }
        List<String> inspect = new ArrayList<>(List.of("inspect", "--format", "{{.NetworkSettings.SandboxKey}}"));
        inspect.addAll(containers);
        List<String> sandboxes = lines(podman(anywhere, inspect.toArray(String[]::new)));
        if (Namespaces.list().contains(layout.host(index))) {
            podman("rm", "--all", "--force", "--time", "0");
        }
        List<String> left = Namespaces.list();
        sandboxes.stream().map(path -> Path.of(path).getFileName().toString()).filter(left::contains)
                .forEach(Namespaces::delete);
    }

    private Path containersConf() {
        return dir().resolve("containers.conf");
    }

    private static List<String> lines(CommandRunner.Result result) {
        return result.ok() ? result.stdout().lines().map(String::strip).filter(line -> !line.isEmpty()).toList() : List.of();
    }

    private static Path root(LabLayout layout) {
        return layout.stateDir().resolve("podman");
    }

    private static Path image(LabLayout layout) {
        return root(layout).resolve("busybox.tar");
    }
}
