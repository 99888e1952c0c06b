package org.jcalico.felix;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.Keys;
import org.jcalico.model.Resource;
import org.jcalico.model.ResourceCodec;

/** Records as a listing hands them to the agent's cache: RESOURCES, then those of YAML, each under its own key. */
final class ListedRecords {
    private ListedRecords() {
    }

    static List<ClusterCache.Decoded> of(List<Resource> resources, String yaml) {
        List<Resource> all = new ArrayList<>(resources);
        all.addAll(ResourceCodec.decodeAll(yaml));
        List<ClusterCache.Decoded> records = new ArrayList<>();
        all.forEach(resource -> records.add(ClusterCache.decode(Keys.key(resource), ResourceCodec.toJson(resource))));
        return records;
    }
}
