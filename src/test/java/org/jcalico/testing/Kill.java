package org.jcalico.testing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.Op;

/**
 * A command killed (kill -9) between two of its commits, deterministically: its store throws {@link Killed} just
 * before the chosen commit, so nothing of that commit is written and everything before it is, as after a real kill.
 */
public final class Kill {
    private Kill() {
    }

    /** The command's death: an Error, so no retry or clean-up of the command catches it. */
    public static final class Killed extends Error {
    }

    /** The store of a command that dies just before the {@code nth} commit {@code which} picks. */
    public static CommitGate before(Datastore datastore, Predicate<List<Op>> which, int nth) {
        AtomicInteger seen = new AtomicInteger();
        return new CommitGate(datastore, ops -> which.test(ops) && seen.incrementAndGet() == nth, () -> {
            throw new Killed();
        });
    }
}
