package org.jcalico.bench;

import org.jcalico.lab.LabLayout;
import org.jcalico.model.ValidationException;

/**
 * The prefix of a bench's namespaces: its own (jcb-, jcbp-, jcb7-add-), and of its lab, after JCALICO_BENCH_PREFIX when that is set. Why: several
 * people or test lanes on one machine each keep to a prefix of their own, and a bench that removes every namespace of
 * its prefix at start would otherwise remove another's mid-run. Letters, digits and '-' only, as a namespace name;
 * read when a bench starts (not in a class's initialiser), so that a bad value is one error line.
 */
final class BenchNamespaces {
    private BenchNamespaces() {
    }

    static String prefix(String own) {
        return outer() + own;
    }

    /** A bench's lab: NAME after JCALICO_BENCH_PREFIX, as {@link #lab(String, String)} puts them together. */
    static String lab(String name) {
        return lab(outer(), name);
    }

    /** The layout of a bench's lab of HOSTS hosts, named NAME after JCALICO_BENCH_PREFIX ({@link #lab(String)}). */
    static LabLayout layout(String name, int hosts) {
        return new LabLayout(lab(name), hosts);
    }

    /**
     * A lab named NAME after OUTER without its trailing '-' (as a test's lab after JCALICO_TEST_NS_PREFIX), refused
     * rather than cut short when that is longer than a lab's name may be: a lab cut short could be another's, which the
     * bench removes at its start.
     */
    static String lab(String outer, String name) {
        String lab = outer.replaceFirst("-$", "") + name;
        if (lab.length() > LabLayout.MAX_NAME) {
            throw new ValidationException("lab name: '" + lab + "' (JCALICO_BENCH_PREFIX '" + outer + "' before '" + name
                    + "') is longer than " + LabLayout.MAX_NAME + " characters; give a shorter --lab");
        }
        return lab;
    }

    private static String outer() {
        String outer = System.getenv().getOrDefault("JCALICO_BENCH_PREFIX", "");
        if (!outer.matches("[A-Za-z0-9-]{0,20}")) {
            throw new ValidationException("JCALICO_BENCH_PREFIX must be up to 20 letters, digits or '-', not '" + outer + "'");
        }
        return outer;
    }
}
