package org.jcalico.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jcalico.felix.AgentStatusFile;
import org.jcalico.log.Log;

/**
 * Pages served on an address that follows the configuration while the agent runs (health, metrics): a new address
 * moves the listener, none closes it. An address it cannot bind (the port taken by another program, the address not
 * on the host yet) never stops the agent: it is logged at ERROR once per address and tried again every
 * {@link #RETRY_MILLIS} until it binds or the configuration names another. The agent's status file records where the
 * pages are to be served and warns while they are not; a retry that binds writes the status again at once, so that
 * `node status` does not warn of a port already served until the agent's next pass (the periodic resync on an idle
 * node: docs/agent.md, "Session 69 (t-prompt)").
 */
public final class PageListener implements AutoCloseable {
    static final long RETRY_MILLIS = 10_000;
    private final String name;
    private final Map<String, Supplier<ControlServer.Page>> pages;
    private final AgentStatusFile statusFile;
    private final Log log;
    private final long retryMillis;
    private InetSocketAddress address;
    /** What {@link #configured} says: the address to serve at, set by {@link #intend} before the listener moves. */
    private InetSocketAddress intended;
    private ControlServer server;
    private boolean closed;

    /** Its warning ({@link #unserved}) and address ({@link #configured}) are in every status STATUSFILE writes. */
    public PageListener(String name, Map<String, Supplier<ControlServer.Page>> pages, AgentStatusFile statusFile, Log log) {
        this(name, pages, statusFile, log, RETRY_MILLIS);
    }

    /** @param retryMillis how long after a failed bind to try again (tests shorten it) */
    PageListener(String name, Map<String, Supplier<ControlServer.Page>> pages, AgentStatusFile statusFile, Log log,
                 long retryMillis) {
        this.name = name;
        this.pages = Map.copyOf(pages);
        this.statusFile = statusFile;
        this.log = log;
        this.retryMillis = retryMillis;
        statusFile.addWarning(this::unserved);
        statusFile.addPage(name, this::configured);
    }

    /** An address from configured settings: the host is an IP literal (FelixConfiguration checks it), so nothing is looked up. */
    public static InetSocketAddress address(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(host + " is not an IP address", e);
        }
    }

    /**
     * {@link #configured} says {@code wanted} from now, before {@link #serveAt} moves the listener there: the status
     * file records it first, so that an agent killed in between leaves the next one the new address, never one the
     * configuration closed (AgentRuntime).
     */
    public synchronized void intend(InetSocketAddress wanted) {
        intended = wanted;
    }

    /** Serves the pages at {@code wanted}, or nowhere when it is null. */
    public synchronized void serveAt(InetSocketAddress wanted) {
        intended = wanted;
        if (closed || Objects.equals(wanted, address) && (server != null || wanted == null)) {
            return;
        }
        boolean sameAddress = Objects.equals(wanted, address);
        stop();
        address = wanted;
        if (wanted == null) {
            log.info(name + " not served", "listener", name);
            return;
        }
        bind(!sameAddress);
    }

    private void bind(boolean firstTry) {
        InetSocketAddress wanted = address;
        try {
            server = ControlServer.startPages(wanted, pages, name, log);
            log.info("serving " + name + " pages " + String.join(", ", new java.util.TreeSet<>(pages.keySet())), "listener",
                    name, "address", wanted.getAddress().getHostAddress() + ":" + wanted.getPort());
        } catch (IOException e) {
            if (firstTry) {
                log.error("cannot serve " + name + " pages: " + e.getMessage() + "; trying again every "
                        + retryMillis / 1000.0 + " s", "listener", name);
            }
            Thread.ofVirtual().name(name + "-listener-retry").start(() -> {
                try {
                    Thread.sleep(retryMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                if (retry(wanted)) {
                    // outside this listener's lock: a status write asks every listener for its warning under the file's
                    statusFile.refresh();
                }
            });
        }
    }

    /** Binds {@code failed} again unless the listener was closed or moved meanwhile; whether it is served now. */
    private synchronized boolean retry(InetSocketAddress failed) {
        if (!closed && server == null && failed.equals(address)) {
            bind(false);
            return server != null;
        }
        return false;
    }

    /**
     * While the configured address is not served (its bind failed and is being retried), what `node status` warns of:
     * the agent and its dataplane are fine without these pages, so it is a warning, not a degraded state; else null.
     */
    public synchronized String unserved() {
        return address == null || server != null ? null : "cannot serve the " + name + " pages on "
                + address.getAddress().getHostAddress() + ":" + address.getPort() + " (see felix.log)";
    }

    /**
     * The address the pages are to be served at (null: nowhere), bound or not yet, for the status file: a new agent
     * of the node serves there until it has read the configuration (AgentRuntime).
     */
    public synchronized AgentStatusFile.Served configured() {
        return intended == null ? null : new AgentStatusFile.Served(intended.getAddress().getHostAddress(), intended.getPort());
    }

    /** The port served, or -1 when none is (for a configured port 0, the one the kernel chose). */
    public synchronized int port() {
        return server == null ? -1 : server.port();
    }

    private void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        stop();
    }
}
