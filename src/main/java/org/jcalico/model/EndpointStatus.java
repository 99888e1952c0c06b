package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** What a node's agent reports about one of its endpoints: programmed into the kernel, or failed and why. */
public record EndpointStatus(String node, String endpointId, State state, String detail, long updatedAtMillis)
        implements Resource {
    public static final String KIND = "WorkloadEndpointStatus";

    public enum State {
        programmed,
        /** Kept dropped: the kernel refused its rules, or a profile it names is missing; the detail says which. */
        @JsonAlias("error") // what agents before the trust work wrote
        failed
    }

    public EndpointStatus {
        Names.check("node", node);
        Names.check("endpointId", endpointId);
        // the stored form leaves empty text out, so "" and absent must be the same value
        detail = detail == null || detail.isEmpty() ? null : detail;
        if (state == null) {
            throw new ValidationException("state: missing (programmed or failed)");
        }
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return endpointId;
    }
}
