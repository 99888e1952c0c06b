package org.jcalico.testing;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Listing;
import org.jcalico.datastore.Op;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchListener;

/**
 * A store that runs something else just before the first commit its predicate picks, then makes that commit: two
 * commands interleaved at one chosen step, the same way every run, with no threads or sleeps (a race shown
 * deterministically: the other command runs whole between this one's reads and its write). Closing it closes nothing.
 */
public final class CommitGate implements Datastore {
    private final Datastore datastore;
    private final Predicate<List<Op>> which;
    private Runnable before;

    public CommitGate(Datastore datastore, Predicate<List<Op>> which, Runnable before) {
        this.datastore = datastore;
        this.which = which;
        this.before = before;
    }

    /** A commit that writes a key under the prefix (creates, updates, puts or deletes it). */
    public static Predicate<List<Op>> writing(String prefix) {
        return ops -> ops.stream().anyMatch(op -> op.writes() && op.key().startsWith(prefix));
    }

    /** Whether the other command ran. */
    public boolean opened() {
        return before == null;
    }

    @Override
    public long commit(List<Op> ops) {
        if (before != null && which.test(ops)) {
            Runnable other = before;
            before = null;
            other.run();
        }
        return datastore.commit(ops);
    }

    @Override
    public Optional<KeyValue> get(String key) {
        return datastore.get(key);
    }

    @Override
    public List<Optional<KeyValue>> getAll(List<String> keys) {
        return datastore.getAll(keys);
    }

    @Override
    public Listing list(String prefix) {
        return datastore.list(prefix);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        return datastore.watch(prefix, afterRevision, listener);
    }

    @Override
    public String location() {
        return datastore.location();
    }

    @Override
    public void close() {
        // the store is the test's: it closes it
    }
}
