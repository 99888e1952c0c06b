package org.jcalico.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Guards for tests that change kernel state (always inside network namespaces they create). */
public final class KernelTests {
    private KernelTests() {
    }

    /** Skips the calling test unless it runs as root and the build did not ask for unit tests only. */
    public static void assumeKernel() {
        assumeTrue("root".equals(System.getProperty("user.name")), "kernel tests need root");
        assumeTrue(!"unit".equals(System.getProperty("jcalico.tests")), "only unit tests requested");
    }
}
