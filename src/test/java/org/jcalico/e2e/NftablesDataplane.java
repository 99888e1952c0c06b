package org.jcalico.e2e;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a class of the shared lab's policy cases on the nftables dataplane (issue #14: the same policy tests passing
 * on both): the lab's agents switched to it at run time before the class, and back to iptables after it.
 */
final class NftablesDataplane implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        SharedNetpolLab.shared(context).useDataplane("nftables");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        SharedNetpolLab.shared(context).useDataplane("iptables");
    }
}
