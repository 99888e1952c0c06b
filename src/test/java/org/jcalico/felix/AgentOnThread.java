package org.jcalico.felix;

import java.nio.file.Path;
import org.jcalico.datastore.Datastore;
import org.jcalico.felix.calc.HostStateCalculator;
import org.jcalico.felix.dataplane.Dataplane;
import org.jcalico.log.Log;

/**
 * An agent of NODE running its loop on a platform thread of the test's, as the kernel tests of foreign commits start
 * one: its log in DIR/agent.log, its status in STATUS; closing it stops the loop and waits for it (at most 10 s).
 */
final class AgentOnThread implements AutoCloseable {
    private final Agent agent;
    private final Thread loop;

    private AgentOnThread(Agent agent) {
        this.agent = agent;
        this.loop = Thread.ofPlatform().start(agent::run);
    }

    static AgentOnThread start(Datastore datastore, String node, Path dir, Dataplane dataplane, AgentStatusFile status) {
        return new AgentOnThread(new Agent(new AgentFeed(datastore, node, 0), node, dataplane,
                Log.open(dir.resolve("agent.log"), false, "info"), status, null, new org.jcalico.metrics.AgentMetrics(),
                new HostStateCalculator()::calculate));
    }

    @Override
    public void close() throws InterruptedException {
        agent.stop();
        loop.join(10_000);
    }
}
