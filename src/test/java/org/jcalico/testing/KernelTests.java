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

    /**
     * The start of a command that runs in a mount namespace of its own (unshare -m, private), gone with the process, so
     * that what the test mounts there never reaches the machine's: {@code setup} (sh, given {@code args} as $1, $2 ...)
     * first, then the command's rest, appended by the caller, in its place.
     */
    public static java.util.List<String> inOwnMounts(String setup, String... args) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("unshare", "--mount", "--propagation",
                "private", "sh", "-c", setup + " && shift " + args.length + " && exec \"$@\"", "sh"));
        command.addAll(java.util.List.of(args));
        return command;
    }
}
