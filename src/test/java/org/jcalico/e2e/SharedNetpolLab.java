package org.jcalico.e2e;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link PodLab#netpolModel} lab (named "jctz"), built once per test run for every class that registers this
 * extension: two hosts and nine pods cost a class more than most of its cases. Each class leaves the lab as it found
 * it (its resources deleted by {@link PodLab#reset}, the model's labels back); the lab is torn down when the run ends.
 */
final class SharedNetpolLab implements BeforeAllCallback {
    private PodLab lab;

    @Override
    public void beforeAll(ExtensionContext context) {
        lab = shared(context);
    }

    /** The run's shared lab, built by whichever extension asks for it first. */
    static PodLab shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedNetpolLab.class, key -> new Built(PodLab.netpolModel("jctz")), Built.class).lab();
    }

    PodLab lab() {
        return lab;
    }

    private record Built(PodLab lab) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            lab.close();
        }
    }
}
