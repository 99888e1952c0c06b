package org.jcalico.datastore;

import java.util.ArrayList;
import java.util.List;

/**
 * Copies every jcalico key from one datastore to another (embedded to etcd, say), so a cluster can move without
 * being re-created: the resources under {@link Keys#ROOT}, the indexes under {@link Keys#INDEXES} and the endpoints'
 * status under {@link Keys#STATUS_ROOT} (so that `container list` shows the same right after the move). Writes go in
 * batches, each one atomic; the target must be empty unless overwriting is asked for.
 */
public final class Migration {
    private static final int BATCH = 100;
    private static final List<String> PREFIXES = List.of(Keys.ROOT, Keys.INDEXES, Keys.STATUS_ROOT);

    private Migration() {
    }

    /** @return how many keys were copied */
    public static int copy(Datastore from, Datastore to, boolean overwrite) {
        int existing = PREFIXES.stream().mapToInt(prefix -> to.list(prefix).items().size()).sum();
        if (existing > 0 && !overwrite) {
            throw new DatastoreException("the target " + to.location() + " already holds " + existing
                    + " jcalico keys; nothing was copied (use --overwrite to replace them)");
        }
        List<KeyValue> items = new ArrayList<>();
        PREFIXES.forEach(prefix -> items.addAll(from.list(prefix).items()));
        List<Op> batch = new ArrayList<>();
        for (KeyValue item : items) {
            batch.add(new Op.Put(item.key(), item.value()));
            if (batch.size() == BATCH) {
                to.commit(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            to.commit(batch);
        }
        return items.size();
    }
}
