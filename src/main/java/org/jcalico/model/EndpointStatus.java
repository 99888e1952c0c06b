package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * What a node's agent reports about one of its endpoints: programmed into the kernel, or failed and why; and which
 * record of the endpoint it reports on ({@code endpointCreatedAtMillis}, the record's {@link WorkloadEndpoint#createdAtMillis}),
 * since an endpoint's id outlives its records: an add killed after its endpoint was programmed is undone by the next
 * add, which writes the same endpoint again while the agent's report of the first is still stored.
 */
public record EndpointStatus(String node, String endpointId, State state, String detail, long updatedAtMillis,
                             Long endpointCreatedAtMillis)
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

    /** A report that names no record of the endpoint (as agents before session 70 wrote them). */
    public EndpointStatus(String node, String endpointId, State state, String detail, long updatedAtMillis) {
        this(node, endpointId, state, detail, updatedAtMillis, null);
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
     * Whether this report is about ENDPOINT as recorded now, not about an earlier record of the same id: the creation
     * times of two records of one id are apart by at least the first one's undoing (a commit, the veth's deletion, the
     * address's release) and the second one's steps, so they differ; a record with no creation time is told by none.
     */
    public boolean isAbout(WorkloadEndpoint endpoint) {
        return java.util.Objects.equals(endpointCreatedAtMillis, endpoint.createdAtMillis());
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
