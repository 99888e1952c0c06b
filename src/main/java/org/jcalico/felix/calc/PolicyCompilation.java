package org.jcalico.felix.calc;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jcalico.model.Policy;

/**
 * Compiling a snapshot's policies on two threads at once, each taking the next policy from one list until none is
 * left: on the first calculation all 500 of `bench policy`'s policies are new, their compilation (selectors parsed,
 * chains per direction and family, set names hashed) was a quarter of the calculating thread's work, and it needs
 * nothing but the policy. The compiled policies are the same objects a calculation compiling them one by one would
 * make (CompiledPolicy is a function of the policy and logDrops).
 */
final class PolicyCompilation {
    private final List<Policy> policies;
    private final boolean logDrops;
    private final CompiledPolicy[] compiled;
    private final AtomicInteger next = new AtomicInteger();

    PolicyCompilation(List<Policy> policies, boolean logDrops) {
        this.policies = List.copyOf(policies);
        this.logDrops = logDrops;
        this.compiled = new CompiledPolicy[this.policies.size()];
    }

    /** Compiles policies until none is left to take; run by each thread that shares the work. */
    void work() {
        for (int i = next.getAndIncrement(); i < compiled.length; i = next.getAndIncrement()) {
            compiled[i] = new CompiledPolicy(policies.get(i), logDrops);
        }
    }

    /**
     * Each policy with its compiled form, to the memo; only once every thread's {@link #work} returned (and its
     * writes are visible: the caller joined the other thread's future).
     */
    void into(org.jcalico.util.Memo<Policy, CompiledPolicy> memo) {
        for (int i = 0; i < compiled.length; i++) {
            memo.put(policies.get(i), compiled[i]);
        }
    }
}
