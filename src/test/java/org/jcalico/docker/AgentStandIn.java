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
                for (Versioned<WorkloadEndpoint> read : store.list(WorkloadEndpoint.class)) {
                    WorkloadEndpoint endpoint = read.resource();
                    if (store.get(EndpointStatus.class, node, endpoint.endpointId()).filter(status -> status.resource().isAbout(endpoint)).isEmpty()) {
                        store.commit(java.util.List.of(ResourceStore.putOp(new EndpointStatus(node, endpoint.endpointId(),
                                EndpointStatus.State.programmed, null, System.currentTimeMillis(), endpoint.createdAtMillis()))));
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
