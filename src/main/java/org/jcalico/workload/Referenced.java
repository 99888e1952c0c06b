package org.jcalico.workload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.KeyValue;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.Op;
import org.jcalico.model.Node;
import org.jcalico.model.Profile;
import org.jcalico.model.ValidationException;

/**
 * What an endpoint record names besides its addresses, its node and its profiles, each at the revision the attachment
 * read it (or created it, a profile its intent made): the record's commit requires them so. `node remove` and `profile
 * remove` check that no endpoint names what they remove and commit guarded by no endpoint written since; with this
 * guard on the other side, the endpoint and the removal cannot both commit (docs/datastore.md, session 41).
 *
 * @param revisions each key's modification revision as read
 * @param names     how a message names each key's resource ("profile 'web'")
 */
record Referenced(Map<String, Long> revisions, Map<String, String> names) {
    Referenced {
        revisions = Map.copyOf(revisions);
        names = Map.copyOf(names);
    }

    static Referenced of(String node, long nodeRevision, Map<String, Long> profileRevisions) {
        Map<String, Long> revisions = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        revisions.put(Keys.keyOf(Node.class, node), nodeRevision);
        names.put(Keys.keyOf(Node.class, node), "node '" + node + "'");
        profileRevisions.forEach((profile, revision) -> {
            revisions.put(Keys.keyOf(Profile.class, profile), revision);
            names.put(Keys.keyOf(Profile.class, profile), "profile '" + profile + "'");
        });
        return new Referenced(revisions, names);
    }

    /** The guards: each key still at its revision. */
    List<Op> guards() {
        List<Op> guards = new ArrayList<>();
        revisions.forEach((key, revision) -> guards.add(new Op.Unchanged(key, revision)));
        return guards;
    }

    /**
     * The same keys as they are now (one read), after a commit guarded by them failed: a change that kept them (a rule
     * added to a profile, the node registered again) is no reason to fail the attachment, a removal is.
     */
    Referenced readAgain(Datastore datastore, String description) {
        List<String> keys = List.copyOf(revisions.keySet());
        List<Optional<KeyValue>> read = datastore.getAll(keys);
        Map<String, Long> now = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            now.put(key, read.get(i).orElseThrow(() -> new ValidationException(names.get(key) + " was removed while "
                    + description + " was being added; nothing was changed")).modRevision());
        }
        return new Referenced(now, names);
    }
}
