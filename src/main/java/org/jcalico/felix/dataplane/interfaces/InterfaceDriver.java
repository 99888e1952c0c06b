package org.jcalico.felix.dataplane.interfaces;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.util.Futures;

/**
 * Configures the host side of endpoint interfaces (sysctls, then link up, so that the IPv6 link-local gateway comes up
 * without duplicate address detection) and the host-wide {@link Sysctls#global()} settings. Settings are written
 * in-process ({@link SysctlWriter}) and links set up in rtnetlink batches, in-process too ({@link Rtnetlink}), so an
 * endpoint's arrival starts no process; only after {@link #forget()} (start, resync) are the links read back and every
 * interface's settings checked, in chunks whose links go up while the next chunk's settings are written. Only settings that differ are written (the writer reads
 * each first). An interface, once configured, is left alone until
 * {@link #forget()}; one that does not exist is reported and tried again by the next apply.
 */
public final class InterfaceDriver {
    private static final String GLOBAL = "sysctl";
    /** Interfaces per step of a cold start's pipeline (see configure): one rtnetlink sendmsg of links each. */
    private static final int CHUNK = 256;
    private final SysctlWriter sysctls;
    private final Rtnetlink netlink;
    /** Interfaces known to be configured; null when unknown, which also means the global settings are checked. */
    private Set<EndpointInterface> configured;

    public InterfaceDriver(CommandRunner runner) {
        this.sysctls = new SysctlWriter(runner);
        this.netlink = runner.rtnetlink();
    }

    public void forget() {
        configured = null;
    }

    /** The host-wide settings only. */
    public Changes start() {
        try {
            SysctlWriter.Outcome outcome = sysctls.write(Sysctls.global());
            Changes changes = Changes.of(Change.SYSCTLS_WRITTEN, outcome.written().size());
            return outcome.refused().isEmpty() ? changes
                    : changes.plus(Changes.failure(GLOBAL, String.join("; ", outcome.refused().values())));
        } catch (KernelException e) {
            return Changes.failure(GLOBAL, e.getMessage());
        }
    }

    public Changes apply(Set<EndpointInterface> desired) {
        boolean checkGlobal = configured == null;
        Set<EndpointInterface> known = checkGlobal ? Set.of() : configured;
        Set<EndpointInterface> done = new HashSet<>();
        List<EndpointInterface> pending = new ArrayList<>();
        for (EndpointInterface endpoint : desired) {
            (known.contains(endpoint) ? done : pending).add(endpoint);
        }
        if (pending.isEmpty() && !checkGlobal) {
            configured = done;
            return Changes.NONE;
        }
        pending.sort(Comparator.comparing(EndpointInterface::name));
        configured = null;
        try {
            // after a forget (start, resync) the kernel is read back; otherwise the pending interfaces are new, so
            // their settings are written and their links set up without first listing every link of the host
            Map<String, Boolean> links = !checkGlobal ? null : pending.isEmpty() ? Map.of()
                    : netlink.links();
            Map<String, String> failures = new HashMap<>();
            List<EndpointInterface> present = new ArrayList<>();
            for (EndpointInterface endpoint : pending) {
                if (links != null && !links.containsKey(endpoint.name())) {
                    failures.put(endpoint.name(), "no such interface");
                } else {
                    present.add(endpoint);
                }
            }
            Configured outcome = configure(present, checkGlobal, links);
            outcome.refused().forEach((name, error) -> failures.merge(name, error, this::join));
            int interfacesChanged = 0;
            for (EndpointInterface endpoint : present) {
                if (!failures.containsKey(endpoint.name())) {
                    done.add(endpoint);
                    interfacesChanged += outcome.changed().contains(endpoint.name()) ? 1 : 0;
                }
            }
            configured = done;
            return new Changes(Map.of(Change.INTERFACES_CONFIGURED, interfacesChanged,
                    Change.SYSCTLS_WRITTEN, outcome.settingsWritten()), failures);
        } catch (KernelException | IllegalArgumentException e) {
            return Changes.failure("interfaces", e.getMessage());
        }
    }

    /** What configuring did: the names changed (and GLOBAL for a host-wide setting), the refused ones' errors. */
    private record Configured(Set<String> changed, Map<String, String> refused, int settingsWritten) {
    }

    /**
     * The interfaces' settings written, then their links set up (LINKS: whether each is up; null, set every one up),
     * {@value #CHUNK} interfaces at a time, pipelined: the links of one chunk go up over rtnetlink while the next
     * chunk's settings are written through /proc/sys on the settings' own thread, so a cold start's two kinds of kernel
     * work overlap instead of following each other. An interface's link still goes up only after its own settings were
     * written (its IPv6 gateway address must come up without duplicate address detection). With CHECK_GLOBAL the
     * host-wide settings go first, in the first chunk. Every refusal stays under its interface.
     */
    private Configured configure(List<EndpointInterface> present, boolean checkGlobal, Map<String, Boolean> links) {
        // every chunk's settings made first: an interface name that is no key refuses the batch before any write
        List<List<String>> names = new ArrayList<>();
        List<Map<String, String>> settings = new ArrayList<>();
        Map<String, String> owners = new HashMap<>();
        for (int from = 0; from == 0 || from < present.size(); from += CHUNK) {
            List<String> chunk = new ArrayList<>();
            Map<String, String> chunkSettings = new LinkedHashMap<>(checkGlobal && from == 0 ? Sysctls.global() : Map.of());
            for (EndpointInterface endpoint : present.subList(from, Math.min(present.size(), from + CHUNK))) {
                chunk.add(endpoint.name());
                Sysctls.forInterface(endpoint).forEach((key, value) -> {
                    chunkSettings.put(key, value);
                    owners.put(key, endpoint.name());
                });
            }
            names.add(chunk);
            settings.add(chunkSettings);
        }
        Set<String> changed = new HashSet<>();
        Map<String, String> refused = new HashMap<>();
        int written = 0;
        CompletableFuture<Map<String, String>> goingUp = CompletableFuture.completedFuture(Map.of());
        try {
            for (int chunk = 0; chunk < names.size(); chunk++) {
                // each setting is read and written only if it differs, new interfaces' too (a read costs
                // microseconds): after a forget that is the read-back, without a sysctl process to parse
                SysctlWriter.Outcome outcome = sysctls.write(settings.get(chunk));
                written += outcome.written().size();
                outcome.written().forEach(key -> changed.add(owners.getOrDefault(key, GLOBAL)));
                outcome.refused().forEach((key, error) -> {
                    changed.add(owners.getOrDefault(key, GLOBAL));
                    refused.merge(owners.getOrDefault(key, GLOBAL), error, this::join);
                });
                Futures.joined(goingUp).forEach((name, error) -> refused.merge(name, error, this::join));
                List<String> down = names.get(chunk).stream().filter(name -> links == null || !links.get(name)).toList();
                changed.addAll(down);
                // the last (a change's only) chunk goes up here: no thread to hand over to when nothing follows
                goingUp = chunk == names.size() - 1 ? CompletableFuture.completedFuture(linksUp(down))
                        : CompletableFuture.supplyAsync(() -> linksUp(down), Thread::startVirtualThread);
            }
            Futures.joined(goingUp).forEach((name, error) -> refused.merge(name, error, this::join));
            return new Configured(changed, refused, written);
        } finally {
            // no link still being set up when the next apply starts, also when this one failed
            goingUp.handle((done, failure) -> done).join();
        }
    }

    /** The names of every link of the host, jcalico's or not. */
    public Set<String> links() {
        return netlink.links().keySet();
    }

    /**
     * The refused links' errors by name. Setting a link up twice does no harm, so a batch whose answers were lost is
     * sent once more, on a fresh socket.
     */
    private Map<String, String> linksUp(List<String> names) {
        Map<Integer, String> refused;
        try {
            refused = netlink.linksUp(names);
        } catch (Rtnetlink.Interrupted e) {
            refused = netlink.linksUp(names);
        }
        Map<String, String> byName = new HashMap<>();
        refused.forEach((index, error) -> byName.put(names.get(index), error));
        return byName;
    }

    private String join(String first, String second) {
        return first + "; " + second;
    }
}
