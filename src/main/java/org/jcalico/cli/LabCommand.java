package org.jcalico.cli;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.lab.Lab;
import org.jcalico.lab.LabLayout;
import org.jcalico.model.ValidationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "A whole cluster on this machine in network namespaces: a fabric, hosts running the agent, an outside world.",
        subcommands = {LabCommand.Up.class, LabCommand.Down.class, LabCommand.Exec.class, LabCommand.Workload.class})
final class LabCommand {

    static final class LabName {
        @Option(names = "--name", paramLabel = "L", defaultValue = "lab", description = "lab name, at most 8 characters (default: ${DEFAULT-VALUE})")
        String name = "lab";
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = {"Create the lab and start every host's agent. With --datastore etcd the lab runs a 3-member etcd cluster in namespaces of its own, reached over the fabric; the default is an embedded store.",
                    "The lab makes its own store: here --datastore takes only its kind, embedded or etcd (not a store's URL), and the etcd TLS and user options and --node, which every command shares, do not apply: given, they are refused."})
    static final class Up implements Runnable {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin LabName lab;
        @Option(names = "--hosts", paramLabel = "N", defaultValue = "2", description = "number of hosts (default: ${DEFAULT-VALUE})") int hosts;

        @Option(names = "--no-bgp", description = "hosts run no BIRD; as in a cloud, the fabric routes a fixed range per host "
                + "(the lab creates pools 10.65.0.0/16 and fd65::/64 and gives host N the blocks 10.65.N.0/24 and fd65::N00/120)") boolean noBgp;

        @Option(names = "--docker", description = "each host runs a docker daemon of its own (Debian's docker.io) with a busybox image; "
                + "'lab exec HOST -- docker ...' talks to it") boolean docker;

        @Option(names = "--podman", description = "make podman usable on every host: its CNI backend with jcalico's plugin and a network "
                + "'jcalico', storage of the lab's own and a busybox image ('lab exec H -- podman run --network jcalico busybox ...')")
        boolean podman;

        /**
         * The options every command shares that name a store's access or this host: the lab makes its own store and
         * names its own hosts, so given here they would be ignored; a user who gave one meant something the lab does not do.
         */
        private void refuseWhatTheLabDoesNotTake() {
            JcalicoCommand root = (JcalicoCommand) spec.root().userObject();
            List<String> given = new ArrayList<>();
            if (root.node() != null) {
                given.add("--node");
            }
            root.etcdSettings().keySet().forEach(setting -> given.add("--etcd-" + setting));
            if (!given.isEmpty()) {
                throw new ValidationException("lab up does not take " + String.join(", ", given) + ": the lab makes a store of "
                        + "its own (etcd without TLS or users) and names its hosts h1..hN");
            }
        }

        @Override
        public void run() {
            refuseWhatTheLabDoesNotTake();
            // the global --datastore names the lab's kind of store here: embedded (default) or etcd
            String datastoreKind = new Session(spec).explicitDatastore() == null ? "embedded" : new Session(spec).explicitDatastore();
            if (!datastoreKind.equals("embedded") && !datastoreKind.equals("etcd")) {
                throw org.jcalico.model.ValidationException.field("--datastore", datastoreKind, "is not embedded or etcd (the lab makes a store of its own: name its kind, not a store)");
            }
            LabLayout layout = new LabLayout(lab.name, hosts, datastoreKind.equals("etcd"));
            if (podman && !org.jcalico.lab.PodmanHost.available()) {
                throw new ValidationException("--podman: podman is not installed (apt-get install podman containernetworking-plugins)");
            }
            long start = System.nanoTime();
            var out = spec.commandLine().getOut();
            java.util.function.Consumer<String> progress = line -> {
                out.println("  " + line);
                out.flush();
            };
            Lab created = new Lab(layout, !noBgp, docker, progress);
            created.up();
            if (podman) {
                org.jcalico.lab.PodmanHost.setUpAll(created, progress);
            }
            out.printf("lab %s is up: %d host(s) in %.1f s; datastore %s%n", layout.name(), hosts,
                    (System.nanoTime() - start) / 1e9, layout.datastoreUrl());
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove every namespace and process of the lab (docker daemons and their containers, podman's containers included).")
    static final class Down implements Runnable {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin LabName lab;

        @Override
        public void run() {
            new Lab(new LabLayout(lab.name, 1), false, line -> { }).down();
            spec.commandLine().getOut().println("lab " + lab.name + " is down");
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command in a host of the lab, with JCALICO_NODENAME, JCALICO_DATASTORE, JCALICO_RUN_DIR and JCALICO_LOG_DIR set "
                    + "(and DOCKER_HOST, the host's own docker daemon, in a lab up with --docker; CONTAINERS_CONF and"
                    + " CONTAINERS_STORAGE_CONF, the host's podman, in a lab up with --podman). The command runs attached to this"
                    + " terminal until it ends (Ctrl-C ends it); its exit status is this command's.")
    static final class Exec implements java.util.concurrent.Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin LabName lab;
        @Parameters(index = "0", paramLabel = "HOST") String host;
        @Parameters(index = "1..*", paramLabel = "CMD", description = "the command (after --)") List<String> command;

        @Override
        public Integer call() {
            if (command == null || command.isEmpty()) {
                throw new ValidationException("exec needs a command: jcalico lab exec HOST -- CMD...");
            }
            return Lab.existing(lab.name, line -> { }).execAttached(host, command);
        }
    }

    @Command(name = "workload", mixinStandardHelpOptions = true,
            description = "Create an empty container namespace L-NAME to attach on a host with 'container add netns:L-NAME'.")
    static final class Workload implements Runnable {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin LabName lab;
        @Parameters(index = "0", paramLabel = "HOST") String host;
        @Parameters(index = "1", paramLabel = "NAME") String name;

        @Override
        public void run() {
            Lab running = Lab.existing(lab.name, line -> { });
            running.hostIndex(host);
            String namespace = running.workload(name);
            spec.commandLine().getOut().println("created workload namespace " + namespace
                    + "; attach it with: jcalico lab exec " + host + " -- jcalico container add netns:" + namespace);
        }
    }
}
