package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

/** A bench's lab keeps to JCALICO_BENCH_PREFIX, as its namespaces do: lanes sharing a machine never meet. */
class BenchNamespacesTest {
    @Test
    void aLabIsNamedAfterThePrefixWithoutItsDashAndATooLongNameIsRefusedNotCut() {
        assertEquals("jcba", BenchNamespaces.lab("", "jcba"), "no prefix: the name as given");
        assertEquals("datjcba", BenchNamespaces.lab("dat", "jcba"));
        assertEquals("datjcba", BenchNamespaces.lab("dat-", "jcba"), "as a test's lab: the prefix's '-' dropped");
        ValidationException refused = assertThrows(ValidationException.class, () -> BenchNamespaces.lab("dat", "jcbench"));
        assertEquals("lab name: 'datjcbench' (JCALICO_BENCH_PREFIX 'dat' before 'jcbench') is longer than 8 characters;"
                + " give a shorter --lab", refused.getMessage());
    }
}
