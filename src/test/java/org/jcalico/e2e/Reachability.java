package org.jcalico.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An expected truth table over pod pairs, written as the Kubernetes e2e suite writes its reachability: a default
 * for every pair, then overrides in order, each for pods matching a pattern ("x/a", "x/*" for every pod of x, "*\/a"
 * for pod a of every namespace, "*" for all), optionally only for some kinds of traffic or one address family. The
 * last override that covers a cell decides it. A pod's traffic to itself is never probed (it stays inside the pod).
 */
public final class Reachability {
    private record Override(String from, String to, Set<Traffic> traffic, Set<Integer> families, boolean allowed) {
    }

    private final boolean byDefault;
    private final List<Override> overrides = new ArrayList<>();

    private Reachability(boolean byDefault) {
        this.byDefault = byDefault;
    }

    /** Every pair reachable by every probe: what the lab shows without policy. */
    public static Reachability allAllowed() {
        return new Reachability(true);
    }

    public static Reachability allDenied() {
        return new Reachability(false);
    }

    /** from -> to, for every kind of traffic probed (or only those given) in both families. */
    public Reachability expect(String from, String to, boolean allowed, Traffic... only) {
        return expect(from, to, allowed, Traffic.FAMILIES, only);
    }

    /** from -> to in one family only. */
    public Reachability expectInFamily(int family, String from, String to, boolean allowed, Traffic... only) {
        return expect(from, to, allowed, List.of(family), only);
    }

    private Reachability expect(String from, String to, boolean allowed, List<Integer> families, Traffic... only) {
        check(from);
        check(to);
        overrides.add(new Override(from, to, Set.of(only), Set.copyOf(families), allowed));
        return this;
    }

    /** Everything to the pod (its ingress). */
    public Reachability expectAllIngress(String pod, boolean allowed, Traffic... only) {
        return expect("*", pod, allowed, only);
    }

    /** Everything from the pod (its egress). */
    public Reachability expectAllEgress(String pod, boolean allowed, Traffic... only) {
        return expect(pod, "*", allowed, only);
    }

    public boolean allowed(Pod from, Pod to, Traffic traffic, int family) {
        boolean allowed = byDefault;
        for (Override override : overrides) {
            if (matches(override.from, from) && matches(override.to, to) && (override.traffic.isEmpty() || override.traffic.contains(traffic))
                    && override.families.contains(family)) {
                allowed = override.allowed;
            }
        }
        return allowed;
    }

    private static boolean matches(String pattern, Pod pod) {
        if (pattern.equals("*")) {
            return true;
        }
        String[] parts = pattern.split("/");
        return (parts[0].equals("*") || parts[0].equals(pod.namespace())) && (parts[1].equals("*") || parts[1].equals(pod.name()));
    }

    private static void check(String pattern) {
        if (!pattern.equals("*") && !pattern.matches("[a-z0-9*-]+/[a-z0-9*-]+")) {
            throw new IllegalArgumentException("pattern '" + pattern + "' is not NS/POD (either may be *) or *");
        }
    }
}
