package org.jcalico.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.jcalico.agent.AgentPaths;
import org.jcalico.datastore.Datastore;
import org.jcalico.datastore.OpenMode;
import org.jcalico.log.Log;
import org.jcalico.ui.UiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ui", mixinStandardHelpOptions = true,
        description = "Serve a web page that shows the cluster: nodes and their BGP sessions, endpoints with their addresses, labels,"
                + " status and policies, a connectivity matrix from the policy model, and the denied flows of the nodes whose logs"
                + " are on this machine, live. Runs until Ctrl-C or SIGTERM.")
final class UiCommand implements Runnable {
    static final String DEFAULT_LISTEN = "127.0.0.1:9098";
    @Spec CommandSpec spec;
    @Option(names = "--listen", paramLabel = "ADDRESS:PORT", description = "an IP address, not a name (default: ${DEFAULT-VALUE})")
    String listen = DEFAULT_LISTEN;
    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.RUN_ROOT, description = "the agents' run directories, for their state and BGP sessions (default: $JCALICO_RUN_DIR, else /run/jcalico)")
    Path runRoot;
    @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = AgentPaths.LOG_ROOT, description = "the agents' log directories, for the denied flows (default: $JCALICO_LOG_DIR, else /var/log/jcalico)")
    Path logRoot;

    @Override
    public void run() {
        InetSocketAddress address = CliValues.listenAddress("--listen", listen);
        Session session = new Session(spec);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Datastore datastore = session.datastoreUrl().open(OpenMode.READ);
             UiServer server = UiServer.start(datastore, runRoot, logRoot, address, Log.console("warn"))) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            String host = address.getAddress() instanceof java.net.Inet6Address ? "[" + address.getHostString() + "]" : address.getHostString();
            session.out().println("serving the UI on http://" + host + ":" + address.getPort() + "/?" + server.query() + " (Ctrl-C to stop)");
            session.out().flush();
            stopped.await();
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
