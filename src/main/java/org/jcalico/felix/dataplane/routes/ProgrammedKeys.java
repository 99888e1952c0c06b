package org.jcalico.felix.dataplane.routes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jcalico.felix.dataplane.Change;
import org.jcalico.felix.dataplane.Changes;
import org.jcalico.kernel.KernelException;
import org.jcalico.kernel.Rtnetlink;
import org.jcalico.util.PersistentSortedMap;

/**
 * What a driver of keyed kernel objects written in one rtnetlink batch per apply (routes, neighbour entries) knows the
 * kernel holds, and the steps each apply shares: the batch that makes the kernel hold the desired keys, found at the
 * cost of what changed (calc hands out its keys as a persistent map's, versions of one another: docs/dataplane.md,
 * "One endpoint added to 1,000, session 37"); what the kernel holds after the batch's refusals; a batch whose answers
 * were lost read back and written again once.
 */
final class ProgrammedKeys<K> {
    private final String noun;
    private final Comparator<K> order;
    private final Supplier<Set<K>> read;
    /** What the kernel holds, as of the last batch; null when unknown (read back before the next). */
    private PersistentSortedMap<K, Object> programmed;

    /**
     * @param noun what a key stands for in a refusal's words ("cannot add route: ...")
     * @param read what the kernel holds of the driver's
     */
    ProgrammedKeys(String noun, Comparator<K> order, Supplier<Set<K>> read) {
        this.noun = noun;
        this.order = order;
        this.read = read;
    }

    void forget() {
        programmed = null;
    }

    /**
     * The write's changes; when its answers were lost (which of its requests took effect is unknown) the kernel is read
     * back and the write tried once more; a kernel error fails the driver's whole batch, under TOOL.
     */
    Changes apply(String tool, Supplier<Changes> write) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (Rtnetlink.Interrupted e) {
                programmed = null;
                if (attempt == 2) {
                    return Changes.failure(tool, e.getMessage());
                }
            } catch (KernelException | IllegalArgumentException e) {
                return Changes.failure(tool, e.getMessage());
            }
        }
    }

    /**
     * A batch: what the kernel held before it, what is desired, the keys to delete and those to add, each in order.
     * Until {@link #settle} what the kernel holds is unknown.
     */
    record Batch<K>(PersistentSortedMap<K, Object> present, PersistentSortedMap<K, Object> desired, List<K> deletions,
                    List<K> additions) {
    }

    Batch<K> plan(Set<K> given) {
        PersistentSortedMap<K, Object> desired = PersistentSortedMap.byHashOf(given);
        PersistentSortedMap<K, Object> present = programmed != null ? programmed : PersistentSortedMap.byHashOf(read.get());
        List<K> deletions = new ArrayList<>();
        List<K> additions = new ArrayList<>();
        PersistentSortedMap.keyChanges(present, desired, additions, deletions);
        deletions.sort(order);
        additions.sort(order);
        programmed = null;
        return new Batch<>(present, desired, deletions, additions);
    }

    /**
     * The batch's outcome from its refusals (by index: its deletions, then its additions): the kernel holds the
     * desired keys but a deletion it refused and an addition it refused. A deletion refused because the object had
     * gone already (GONE says which words mean that: it went with its interface) is none. Each deletion done is counted
     * as REMOVED and handed to DELETED (also one that found its object gone), each addition as ADDED, each refusal
     * reported by FAILURE with the kernel's words.
     */
    Changes settle(Batch<K> batch, Map<Integer, String> refused, Predicate<String> gone, Change removed,
                   Change added, BiFunction<K, String, Changes> failure, Consumer<K> deleted) {
        Changes changes = Changes.NONE;
        PersistentSortedMap<K, Object> written = batch.desired();
        List<K> deletions = batch.deletions();
        for (int i = 0; i < deletions.size(); i++) {
            String error = refused.get(i);
            if (error == null || gone.test(error)) {
                deleted.accept(deletions.get(i));
                changes = changes.plus(removed, error == null ? 1 : 0);
            } else {
                written = written.with(deletions.get(i), Boolean.TRUE);
                changes = changes.plus(failure.apply(deletions.get(i), "cannot delete " + noun + ": " + error));
            }
        }
        List<K> additions = batch.additions();
        for (int i = 0; i < additions.size(); i++) {
            String error = refused.get(deletions.size() + i);
            if (error == null) {
                changes = changes.plus(added, 1);
            } else {
                written = written.without(additions.get(i));
                changes = changes.plus(failure.apply(additions.get(i), "cannot add " + noun + ": " + error));
            }
        }
        programmed = written;
        return changes;
    }
}
