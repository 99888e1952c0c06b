package org.jcalico.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jcalico.log.Log;
import org.jcalico.model.FelixConfiguration;

/**
 * A page listener ({@link ControlServer#startPages}) that follows the agent's FelixConfiguration: it serves at the
 * address the configuration names, moves when that changes, and closes when it is switched off (null address). The
 * agent hands it the configuration on every pass; a bind that fails (the address is not on the host yet, the port is
 * taken) is logged once and tried again after {@link #RETRY_MILLIS}.
 */
public final class ConfiguredPages implements Consumer<FelixConfiguration>, AutoCloseable {
    static final long RETRY_MILLIS = 10_000;
    private final String name;
    private final Function<FelixConfiguration, InetSocketAddress> address;
    private final Map<String, Supplier<ControlServer.Page>> pages;
    private final Log log;
    private ControlServer server;
    private InetSocketAddress serving;
    private InetSocketAddress failed;
    private long retryAt;

    /** @param address where the configuration says to serve, or null for not at all */
    public ConfiguredPages(String name, Function<FelixConfiguration, InetSocketAddress> address,
                           Map<String, Supplier<ControlServer.Page>> pages, Log log) {
        this.name = name;
        this.address = address;
        this.pages = Map.copyOf(pages);
        this.log = log;
    }

    @Override
    public synchronized void accept(FelixConfiguration config) {
        InetSocketAddress wanted = address.apply(config);
        if (wanted == null ? server == null : wanted.equals(serving)) {
            return;
        }
        if (wanted != null && wanted.equals(failed) && System.currentTimeMillis() < retryAt) {
            return;
        }
        stop();
        if (wanted == null) {
            log.info("not serving " + name + " (switched off in the FelixConfiguration)");
            return;
        }
        try {
            server = ControlServer.startPages(wanted, pages, name, log);
            serving = wanted;
            failed = null;
            log.info("serving " + name + " on http://" + hostPort(wanted) + String.join(",", pages.keySet()));
        } catch (IOException e) {
            if (!wanted.equals(failed)) {
                log.error("cannot serve " + name + " on " + hostPort(wanted) + " (" + e.getMessage() + "); trying again every "
                        + RETRY_MILLIS / 1000 + " s");
            }
            failed = wanted;
            retryAt = System.currentTimeMillis() + RETRY_MILLIS;
        }
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private void stop() {
        if (server != null) {
            server.close();
            server = null;
            serving = null;
        }
    }

    @Override
    public synchronized void close() {
        stop();
    }
}
