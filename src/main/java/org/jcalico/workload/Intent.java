package org.jcalico.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import org.jcalico.datastore.Keys;
import org.jcalico.datastore.DatastoreException;

/**
 * What a container attachment (or detachment) under way may have left in the datastore and the kernel, written
 * before its first step: whoever finds it with its owner dead tears all of it down (see docs/ipam.md). Everything it
 * names is idempotent to remove: the endpoint record, the veth pair by its host side, the addresses the handle holds,
 * and the profiles this attachment created (in the same commit as the intent itself).
 *
 * @param owner null once its owner gave up on it (an undo that failed): anyone may then finish it
 */
public record Intent(Operation operation, String node, String endpointId, String containerId, String hostInterface,
                     String handle, List<String> createdProfiles, Owner owner) {
    private static final JsonMapper JSON = new JsonMapper();

    public enum Operation {
        attach, detach
    }

    public Intent {
        createdProfiles = createdProfiles == null ? List.of() : List.copyOf(createdProfiles);
    }

    public String key() {
        return Keys.intent(node, endpointId);
    }

    public Intent ownedBy(Owner newOwner) {
        return new Intent(operation, node, endpointId, containerId, hostInterface, handle, createdProfiles, newOwner);
    }

    public Intent withCreatedProfiles(List<String> profiles) {
        return new Intent(operation, node, endpointId, containerId, hostInterface, handle, profiles, owner);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Intent fromJson(String key, String json) {
        try {
            return JSON.readValue(json, Intent.class);
        } catch (JsonProcessingException e) {
            throw new DatastoreException("unreadable intent record " + key + ": " + e.getOriginalMessage());
        }
    }
}
