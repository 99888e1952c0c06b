package org.jcalico.felix;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.WatchEvent;

/**
 * Whether a container's attachment or detachment on this node is under way, as the agent's watch sees it: every
 * `container add` and `remove` (served, the launcher's own, the CNI plugin's, the docker plugin's) writes its intent
 * record before its first change and deletes it after its last (docs/ipam.md), so an intent of this node put and not
 * yet deleted means an endpoint record is coming or going within milliseconds. A listing forgets them: what it lists
 * was left by commands that may be dead, which the intents' sweeper handles. Not thread-safe (the agent's loop alone
 * uses it).
 */
final class AttachesUnderWay {
    private final String prefix;
    private final Set<String> intents = new HashSet<>();

    AttachesUnderWay(String node) {
        this.prefix = Keys.INTENTS + node + "/";
    }

    void apply(List<WatchEvent> events) {
        for (WatchEvent event : events) {
            if (event.key().startsWith(prefix)) {
                if (event.type() == WatchEvent.Type.PUT) {
                    intents.add(event.key());
                } else {
                    intents.remove(event.key());
                }
            }
        }
    }

    void forget() {
        intents.clear();
    }

    boolean any() {
        return !intents.isEmpty();
    }
}
