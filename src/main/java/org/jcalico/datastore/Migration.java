package org.jcalico.datastore;

import java.util.ArrayList;
import java.util.List;

/**
 * Copies every jcalico key from one datastore to another (embedded to etcd, say), so a cluster can move without
 * being re-created: the resources under {@link Keys#ROOT} and the indexes under {@link Keys#INDEXES}. Writes go in
 * batches, each one atomic; the target must be empty unless overwriting is asked for.
 */
public final class Migration {
    private static final int BATCH = 100;

    private Migration() {
    }

    /** @return how many keys were copied */
    public static int copy(Datastore from, Datastore to, boolean overwrite) {
        int existing = to.list(Keys.ROOT).items().size() + to.list(Keys.INDEXES).items().size();
        if (existing > 0 && !overwrite) {
            throw new DatastoreException("the target " + to.location() + " already holds " + existing
                    + " jcalico keys; nothing was copied (use --overwrite to replace them)");
        }
        List<KeyValue> items = new ArrayList<>(from.list(Keys.ROOT).items());
        items.addAll(from.list(Keys.INDEXES).items());
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
