package org.jcalico.bench;

/**
 * The prefix of a bench's namespaces: its own (jcb-, jcbp-), after JCALICO_BENCH_PREFIX when that is set. Why: several
 * people or test lanes on one machine each keep to a prefix of their own, and a bench that removes every namespace of
 * its prefix at start would otherwise remove another's mid-run. Letters, digits and '-' only, as a namespace name.
 */
final class BenchNamespaces {
    private BenchNamespaces() {
    }

    static String prefix(String own) {
        String outer = System.getenv().getOrDefault("JCALICO_BENCH_PREFIX", "");
        if (!outer.matches("[A-Za-z0-9-]{0,20}")) {
            throw new IllegalArgumentException("JCALICO_BENCH_PREFIX must be up to 20 letters, digits or '-': " + outer);
        }
        return outer + own;
    }
}
