package org.jcalico.felix.render;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jcalico.util.PersistentSortedMap;

/**
 * What differs between a table's chains and the same table's chains the last time, for a renderer that renders only
 * that (both renderers: docs/dataplane.md, "What calc keeps between calculations") and for both drivers' planners,
 * which plan only that. Calc changes a table's chains from one calculation to the next as a {@link PersistentSortedMap},
 * and the states the drivers compare hold them as one, so the difference is found by descending both versions and
 * skipping what they share: the work is the chains that changed, not a walk of every chain (before session 36, a fifth
 * of an arrival's calc at 1,000 endpoints).
 */
public final class ChainChanges {
    private ChainChanges() {
    }

    /**
     * Calls CHANGED for each chain of CHAINS that BEFORE does not have or has as a chain not equal to it, and GONE for
     * each name of BEFORE that CHAINS does not have, in name order.
     */
    public static <C> void walk(Map<String, C> chains, Map<String, C> before, BiConsumer<String, C> changed,
                                Consumer<String> gone) {
        PersistentSortedMap.diff(PersistentSortedMap.copyOf(before), PersistentSortedMap.copyOf(chains),
                new PersistentSortedMap.Differences<>() {
                    @Override
                    public void changed(String name, C was, C is) {
                        // a chain made again equal is kept, so that the drivers find it unchanged by identity too; a
                        // new one is not compared with nothing (a cold calculation would bootstrap the records'
                        // generated equals for it: docs/dataplane.md, "Session 60 (p-cold)")
                        if (was == null || !is.equals(was)) {
                            changed.accept(name, is);
                        }
                    }

                    @Override
                    public void gone(String name, C was) {
                        gone.accept(name);
                    }
                });
    }
}
