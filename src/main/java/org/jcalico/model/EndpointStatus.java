package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** What a node's agent reports about one of its endpoints: programmed into the kernel, or failed and why. */
public record EndpointStatus(String node, String endpointId, State state, String detail, long updatedAtMillis)
        implements Resource {
    public static final String KIND = "WorkloadEndpointStatus";
    /** How a programmed endpoint's detail begins when it is isolated on purpose (WorkloadEndpoint.isolation). */
    public static final String ISOLATED = "isolated";

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

    /**
     * Programmed isolated (its state is not active: everything it sends or would get is dropped), as its agent last
     * reported it: `node status` counts these apart from the programmed ones, and lists say `isolated`.
     */
    @JsonIgnore
    public boolean isolated() {
        return state == State.programmed && detail != null && detail.startsWith(ISOLATED + ":");
    }

    /** The state as a list shows it: `isolated` for an isolated endpoint, else the state; then the detail. */
    public String summary() {
        return isolated() ? detail : state + (detail == null ? "" : ": " + detail);
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
