package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** What a node's agent reports about one of its endpoints: programmed into the kernel, or the error. */
public record EndpointStatus(String node, String endpointId, State state, String detail, long updatedAtMillis)
        implements Resource {
    public static final String KIND = "WorkloadEndpointStatus";

    public enum State {
        programmed, error
    }

    public EndpointStatus {
        Names.check("node", node);
        Names.check("endpointId", endpointId);
        // the stored form leaves empty text out, so "" and absent must be the same value
        detail = detail == null || detail.isEmpty() ? null : detail;
        if (state == null) {
            throw new ValidationException("state: missing (programmed or error)");
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
