package org.jcalico.e2e;

import org.jcalico.model.IpAddress;

/**
 * One pod of the Kubernetes network-policy e2e model: pod {@code name} (a, b, c) in namespace {@code namespace}
 * (x, y, z), attached on one lab host, with one address of each family.
 */
public record Pod(String namespace, String name, int host, String netns, IpAddress v4, IpAddress v6) {
    /** "x/a", as the e2e suite writes a pod. */
    public String id() {
        return namespace + "/" + name;
    }

    public IpAddress address(int family) {
        return family == 4 ? v4 : v6;
    }

    @Override
    public String toString() {
        return id();
    }
}
