package org.jcalico.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jcalico.log.Log;

/**
 * Pages served on an address that follows the configuration while the agent runs (health, metrics): a new address
 * moves the listener, none closes it. One that cannot bind is logged and tried again at the next change.
 */
public final class PageListener implements AutoCloseable {
    private final String name;
    private final Map<String, Supplier<ControlServer.Page>> pages;
    private final Log log;
    private InetSocketAddress address;
    private ControlServer server;

    public PageListener(String name, Map<String, Supplier<ControlServer.Page>> pages, Log log) {
        this.name = name;
        this.pages = Map.copyOf(pages);
        this.log = log;
    }

    /** An address from configured settings: the host is an IP literal (FelixConfiguration checks it), so nothing is looked up. */
    public static InetSocketAddress address(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(host + " is not an IP address", e);
        }
    }

    /** Serves the pages at {@code wanted}, or nowhere when it is null. */
    public synchronized void serveAt(InetSocketAddress wanted) {
        if (Objects.equals(wanted, address) && (server != null || wanted == null)) {
            return;
        }
        close();
        address = wanted;
        if (wanted == null) {
            log.info(name + " not served", "listener", name);
            return;
        }
        try {
            server = ControlServer.startPages(wanted, pages, name, log);
            log.info("serving " + name + " pages " + String.join(", ", new java.util.TreeSet<>(pages.keySet())), "listener",
                    name, "address", wanted.getAddress().getHostAddress() + ":" + wanted.getPort());
        } catch (IOException e) {
            log.error("cannot serve " + name + " pages: " + e.getMessage() + "; trying again when the configuration changes",
                    "listener", name);
        }
    }

    /** The port served, or -1 when none is (for a configured port 0, the one the kernel chose). */
    public synchronized int port() {
        return server == null ? -1 : server.port();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
