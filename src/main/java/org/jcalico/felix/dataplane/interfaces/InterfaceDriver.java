package org.jcalico.felix.dataplane.interfaces;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.felix.hoststate.EndpointInterface;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Link;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.util.PersistentSortedMap;

/**
 * Configures the host side of endpoint interfaces (sysctls, then link up, so that the IPv6 link-local gateway comes up
 * without duplicate address detection) and the host-wide {@link Sysctls#global()} settings. Settings are written
 * in-process ({@link SysctlWriter}) and links set up in one rtnetlink batch per apply, in-process too
 * ({@link Rtnetlink}), both in one piece of work on the netlink thread, so an endpoint's arrival starts no process;
 * only after {@link #forget()} (start, resync) are the links read back and every interface's settings checked, most
 * of them from the links dump itself ({@link Link}: one dump instead of thousands of reads of /proc/sys files). Only settings that differ are written (the writer reads
 * first each that the dump did not answer). An interface, once configured, is left alone until
 * {@link #forget()}; one that does not exist is reported and tried again by the next apply.
 */
public final class InterfaceDriver {
    private static final String GLOBAL = "sysctl";
    /** An endpoint's failure when its interface is not in the host (yet): the agent looks for it (MissingLinks). */
    public static final String NO_SUCH_INTERFACE = "no such interface";
    private final SysctlWriter sysctls;
    private final Rtnetlink netlink;
    /** Interfaces known to be configured; null when unknown, which also means the global settings are checked. */
    private PersistentSortedMap<EndpointInterface, Object> configured;

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

    public Changes apply(Set<EndpointInterface> given) {
        // calc hands out its interfaces as a persistent map's keys, versions of one another: kept as what is configured,
        // the next version's new interfaces are found at the cost of what changed, not by a walk of every interface
        // (docs/dataplane.md, "One endpoint added to 1,000, session 37")
        PersistentSortedMap<EndpointInterface, Object> desired = PersistentSortedMap.byHashOf(given);
        boolean checkGlobal = configured == null;
        List<EndpointInterface> pending = new ArrayList<>();
        if (checkGlobal) {
            pending.addAll(desired.keySet());
        } else {
            PersistentSortedMap.keyChanges(configured, desired, pending, new ArrayList<>());
        }
        if (pending.isEmpty() && !checkGlobal) {
            configured = desired;
            return Changes.NONE;
        }
        pending.sort(Comparator.comparing(EndpointInterface::name));
        configured = null;
        try {
            Map<String, String> failures = new HashMap<>();
            int written = 0;
            // after a forget (start, resync) the kernel is read back: the links, with most of each one's settings (one
            // dump instead of a read of each setting's file); otherwise the pending interfaces are new, so their
            // settings are written and their links set up without first listing every link of the host
            // the global settings first: ip_forward turned on turns every interface's forwarding on, which the links
            // dump after it then shows; both in one hand-over to the netlink thread
            SysctlWriter.Dumped global = !checkGlobal ? null : pending.isEmpty()
                    ? new SysctlWriter.Dumped(sysctls.write(Sysctls.global()), Map.of())
                    : sysctls.writeThenLinks(Sysctls.global(), netlink);
            Map<String, Link> links = global == null ? null : global.links();
            if (global != null) {
                global.settings().refused().values().forEach(error -> failures.merge(GLOBAL, error, this::join));
                written += global.settings().written().size();
            }
            Map<String, String> settings = new LinkedHashMap<>();
            Set<String> differing = new HashSet<>();
            Map<String, String> owners = new HashMap<>();
            List<EndpointInterface> present = new ArrayList<>();
            for (EndpointInterface endpoint : pending) {
                Link link = links == null ? null : links.get(endpoint.name());
                if (links != null && link == null) {
                    failures.put(endpoint.name(), NO_SUCH_INTERFACE);
                    continue;
                }
                present.add(endpoint);
                Sysctls.unsettled(endpoint, link, (key, value, differs) -> {
                    settings.put(key, value);
                    owners.put(key, endpoint.name());
                    if (differs) {
                        differing.add(key);
                    }
                });
            }
            // each setting the dump did not answer is read first (a read costs microseconds), and only one that differs
            // is written, new interfaces' too; then the links that are down go up, in the same hand-over to the
            // netlink thread (session 55: an add's step waited for a core once per hand-over, not for its work)
            List<String> down = present.stream().map(EndpointInterface::name)
                    .filter(name -> links == null || !links.get(name).up()).toList();
            SysctlWriter.Settled settled = sysctls.writeThenLinksUp(settings, differing, netlink, down);
            SysctlWriter.Outcome outcome = settled.settings();
            Map<String, String> refusedKeys = outcome.refused();
            refusedKeys.forEach((key, error) -> failures.merge(owners.get(key), error, this::join));
            settled.refusedLinks().forEach((index, error) -> failures.merge(down.get(index), error, this::join));

            Set<String> changed = new HashSet<>(down);
            outcome.written().forEach(key -> changed.add(owners.get(key)));
            refusedKeys.keySet().forEach(key -> changed.add(owners.get(key)));
            int interfacesChanged = 0;
            PersistentSortedMap<EndpointInterface, Object> done = desired;
            for (EndpointInterface endpoint : pending) {
                if (failures.containsKey(endpoint.name())) {
                    done = done.without(endpoint);
                } else {
                    interfacesChanged += changed.contains(endpoint.name()) ? 1 : 0;
                }
            }
            configured = done;
            return new Changes(Map.of(Change.INTERFACES_CONFIGURED, interfacesChanged,
                    Change.SYSCTLS_WRITTEN, written + outcome.written().size()), failures);
        } catch (KernelException | IllegalArgumentException e) {
            return Changes.failure("interfaces", e.getMessage());
        }
    }

    /**
     * Whether {@link #apply} of GIVEN would configure (and so bring up) the link of an isolated endpoint: one it has not
     * configured yet, or any after {@link #forget()}, when it knows nothing of the kernel's links.
     */
    public boolean bringsUpIsolated(Set<EndpointInterface> given) {
        if (configured == null) {
            return given.stream().anyMatch(EndpointInterface::isolated);
        }
        List<EndpointInterface> pending = new ArrayList<>();
        PersistentSortedMap.keyChanges(configured, PersistentSortedMap.byHashOf(given), pending, new ArrayList<>());
        return pending.stream().anyMatch(EndpointInterface::isolated);
    }

    /** The names of every link of the host, jcalico's or not. */
    public Set<String> links() {
        return netlink.links().keySet();
    }

    /** The names of the links that hold an address of the host's (Rtnetlink#addressedLinks). */
    public Set<String> addressedLinks() {
        return netlink.addressedLinks();
    }

    private String join(String first, String second) {
        return first + "; " + second;
    }
}
