package org.jcalico.docker;

import org.jcalico.datastore.ResourceStore;
import org.jcalico.datastore.Versioned;
import org.jcalico.model.EndpointStatus;
import org.jcalico.model.WorkloadEndpoint;

/** Stands in for the node's agent in plugin tests: each endpoint record is reported programmed, until interrupted. */
final class AgentStandIn {
    private AgentStandIn() {
    }

    static Thread start(ResourceStore store, String node) {
        return Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (Versioned<WorkloadEndpoint> endpoint : store.list(WorkloadEndpoint.class)) {
                    if (store.get(EndpointStatus.class, node, endpoint.resource().endpointId()).isEmpty()) {
                        store.create(new EndpointStatus(node, endpoint.resource().endpointId(), EndpointStatus.State.programmed,
                                null, System.currentTimeMillis()));
                    }
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }
}
