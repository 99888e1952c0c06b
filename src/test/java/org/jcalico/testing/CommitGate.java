package org.jcalico.testing;

import java.util.List;
import java.util.function.Predicate;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.ForwardingDatastore;
import org.jcalico.datastore.Op;

/**
 * A store that runs something else just before the first commit its predicate picks, then makes that commit: two
 * commands interleaved at one chosen step, the same way every run, with no threads or sleeps (a race shown
 * deterministically: the other command runs whole between this one's reads and its write). Closing it closes nothing.
 */
public final class CommitGate extends ForwardingDatastore {
    private final Predicate<List<Op>> which;
    private Runnable before;

    public CommitGate(Datastore datastore, Predicate<List<Op>> which, Runnable before) {
        super(datastore);
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
        return super.commit(ops);
    }

    @Override
    public void close() {
        // the store is the test's: it closes it
    }
}
