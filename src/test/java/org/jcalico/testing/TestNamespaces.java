package org.jcalico.testing;

import org.jcalico.lab.LabLayout;

/**
 * The names of the namespaces and labs tests make: after JCALICO_TEST_NS_PREFIX when it is set, as every lane sharing
 * a machine sets it, then the test fork's number when test classes run at once ({@link TestFork#namePart}), so that a
 * test that removes the namespaces of its own names at its start or end never removes another's mid-run, whether
 * another person's or another class's in the fork beside it (which may use the same names: two classes' labs are
 * both "jcll"). The lab's state (/run/jcalico-lab/NAME), logs (/var/log/jcalico/lab-NAME), docker roots and
 * /etc/netns entries are named after the lab, so they follow. The one place that reads the prefix.
 */
public final class TestNamespaces {
    private TestNamespaces() {
    }

    /** A namespace (or a prefix of namespaces) of a test: the prefix, the fork's part, then NAME. */
    public static String named(String name) {
        return prefix() + TestFork.current().namePart() + name;
    }

    /**
     * A lab of a test: the prefix without its trailing '-' (so that "jsq-" makes "jsqjcf1", as a lane names the labs
     * it starts by hand), the fork's part ("jsq2jcf1" in fork 2 of two), then NAME; refused when that is longer than a
     * lab's name may be ({@link LabLayout#MAX_NAME}), rather than cut short into another test's lab.
     */
    public static String lab(String name) {
        String fork = TestFork.current().namePart();
        String lab = prefix().replaceFirst("-$", "") + fork + name;
        if (lab.length() > LabLayout.MAX_NAME) {
            throw new IllegalStateException("lab '" + lab + "': JCALICO_TEST_NS_PREFIX '" + prefix() + "'"
                    + (fork.isEmpty() ? "" : ", the test fork's '" + fork + "'") + " and '" + name + "' make more than "
                    + LabLayout.MAX_NAME + " characters");
        }
        return lab;
    }

    private static String prefix() {
        String prefix = System.getenv().getOrDefault("JCALICO_TEST_NS_PREFIX", "");
        if (!prefix.matches("[A-Za-z0-9-]{0,20}")) {
            throw new IllegalStateException("JCALICO_TEST_NS_PREFIX must be up to 20 letters, digits or '-', not '"
                    + prefix + "'");
        }
        return prefix;
    }
}
