package org.jcalico.bench;

import org.jcalico.model.ValidationException;

/**
 * The prefix of a bench's namespaces: its own (jcb-, jcbp-, jcb7-add-), after JCALICO_BENCH_PREFIX when that is set. Why: several
 * people or test lanes on one machine each keep to a prefix of their own, and a bench that removes every namespace of
 * its prefix at start would otherwise remove another's mid-run. Letters, digits and '-' only, as a namespace name;
 * read when a bench starts (not in a class's initialiser), so that a bad value is one error line.
 */
final class BenchNamespaces {
    private BenchNamespaces() {
    }

    static String prefix(String own) {
        String outer = System.getenv().getOrDefault("JCALICO_BENCH_PREFIX", "");
        if (!outer.matches("[A-Za-z0-9-]{0,20}")) {
            throw new ValidationException("JCALICO_BENCH_PREFIX must be up to 20 letters, digits or '-', not '" + outer + "'");
        }
        return outer + own;
    }
}
