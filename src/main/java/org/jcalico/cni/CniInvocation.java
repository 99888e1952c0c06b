package org.jcalico.cni;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.jcalico.agent.AgentProcess;
import org.jcalico.agent.ServedResources;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.DatastoreException;
import org.jcalico.datastore.OpenMode;
import org.jcalico.datastore.ResourceStore;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.model.ValidationException;
import org.jcalico.workload.WorkloadException;
import org.jcalico.workload.ContainerResolver;
import org.jcalico.workload.ContainerService;
import org.jcalico.workload.DockerClient;

/**
 * One run of the plugin, from what the runtime gave (CNI_* variables, the configuration's bytes) to what it gets back
 * (standard output, standard error, exit status), the same whether the node's agent runs it or the plugin's own JVM.
 * Every failure is the specification's error object on standard output and exit status 1, and changes nothing.
 */
public final class CniInvocation {
    private CniInvocation() {
    }

    /** @param target whom the call was for; null when the configuration could not say (VERSION, one refused) */
    public record Outcome(String stdout, String stderr, int status, Target target) {
    }

    /** Which of the two executables `cni install` writes was run. */
    public enum Role {
        /** jcalico-cni: the interface plugin, which needs the node's agent */
        PLUGIN,
        /** jcalico-ipam: addresses alone, from the datastore */
        IPAM
    }

    /** In the plugin's own JVM: it opens the datastore for this call. */
    public static Outcome run(Role role, Map<String, String> env, byte[] stdin) {
        return run(role, env, stdin, null);
    }

    /**
     * @param served what the node's agent keeps for the calls it serves (so the agent is up: its connection to the
     * datastore and its netlink thread for the host's veths, see agent/ServedResources), null in the plugin's own JVM
     */
    public static Outcome run(Role role, Map<String, String> env, byte[] stdin, ServedResources.Use served) {
        StringBuilder stderr = new StringBuilder();
        String version = NetworkConfig.versionOf(stdin);
        Target target = null;
        try {
            CniRequest request = CniRequest.parse(env, stdin);
            version = request.cniVersion();
            if (request.verb() == CniRequest.Verb.VERSION) {
                return new Outcome(CniPlugin.version(request).toString(), "", 0, null);
            }
            target = Target.of(request.config());
            boolean status = request.verb() == CniRequest.Verb.STATUS;
            if (role == Role.PLUGIN && status && served == null && new AgentProcess(target.agentPaths()).running().isEmpty()) {
                throw new CniError(CniError.NOT_AVAILABLE, "jcalico is not available", "the agent of node " + target.node()
                        + " is not running (start it with 'jcalico node start')");
            }
            Datastore lent = served == null ? null : served.store();
            try (Datastore own = lent == null ? open(target, status, served == null ? null : served.failure()) : null) {
                ResourceStore store = new ResourceStore(lent != null ? lent : own);
                if (role == Role.IPAM) {
                    return new Outcome(new JcalicoIpam(store, target.node()).run(request), "", 0, target);
                }
                ContainerResolver resolver = new ContainerResolver(DockerClient.fromEnvironment());
                ContainerService containers = served == null ? new ContainerService(store, CommandRunner.local(), resolver)
                        : new ContainerService(store, served.veths(), resolver);
                String stdout = new CniPlugin(store, containers, new HostProbe(served == null ? CommandRunner.local()
                        : served.host()), target.node(), stderr).run(request);
                return new Outcome(stdout, stderr.toString(), 0, target);
            }
        } catch (CniError e) {
            return failed(e, version, stderr, target);
        } catch (DatastoreException | ValidationException | WorkloadException | KernelException e) {
            return failed(Failures.of(e, "jcalico-cni failed"), version, stderr, target);
        } catch (RuntimeException e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            stderr.append("jcalico-cni: internal error (please report it): ").append(trace);
            return failed(new CniError(CniError.INTERNAL, "internal error in jcalico-cni", e.toString()), version, stderr, target);
        }
    }

    /**
     * STATUS only reads, and reports a datastore that cannot serve as code 50; other verbs may retry later. KEPT: why
     * the agent's kept connection could not be opened for this call, when this open would fail alike (null: open).
     */
    private static Datastore open(Target target, boolean status, DatastoreException kept) {
        try {
            if (kept != null) {
                throw kept;
            }
            return target.datastore().open(status ? OpenMode.READ : OpenMode.WRITE);
        } catch (DatastoreException e) {
            throw new CniError(status ? CniError.NOT_AVAILABLE : CniError.TRY_AGAIN_LATER,
                    status ? "jcalico is not available" : "the datastore cannot serve", e.getMessage());
        }
    }

    private static Outcome failed(CniError e, String version, StringBuilder stderr, Target target) {
        return new Outcome(e.toJson(version).toString(), stderr.toString(), 1, target);
    }
}
