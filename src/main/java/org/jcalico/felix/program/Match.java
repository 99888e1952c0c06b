package org.jcalico.felix.program;

import java.util.ArrayList;
import java.util.List;

/** The and of criteria; no criteria match every packet. */
public record Match(List<Criterion> criteria) {
    public static final Match ANY = new Match(List.of());

    public Match {
        criteria = List.copyOf(criteria);
    }

    public static Match of(Criterion... criteria) {
        return new Match(List.of(criteria));
    }

    public Match and(Criterion criterion) {
        List<Criterion> more = new ArrayList<>(criteria);
        more.add(criterion);
        return new Match(more);
    }
}
