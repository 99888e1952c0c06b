package org.jcalico.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Agent settings. The one named "global" applies everywhere; one named "node.NAME" overrides it field by field for
 * that node. Null fields are unset: {@link #merge} fills them from the layer below, {@link #DEFAULTS} at the bottom.
 */
public record FelixConfiguration(String name, Integer resyncIntervalSeconds,
                                 EndpointToHostAction defaultEndpointToHostAction, String interfacePrefix,
                                 String logLevel, Boolean healthEnabled, String healthHost, Integer healthPort,
                                 Boolean prometheusMetricsEnabled, String prometheusMetricsHost,
                                 Integer prometheusMetricsPort, Boolean deniedFlowLogsEnabled,
                                 DataplaneDriver dataplaneDriver, Boolean blockReserveEnabled) implements Resource {
    public static final String KIND = "FelixConfiguration";
    public static final String GLOBAL = "global";
    public static final String NODE_PREFIX = "node.";
    public static final FelixConfiguration DEFAULTS =
            new FelixConfiguration(GLOBAL, 10, EndpointToHostAction.DROP, "jc", "info",
                    true, "127.0.0.1", 9099, true, "127.0.0.1", 9091, true, DataplaneDriver.IPTABLES, true);

    /** The settings a layer sets for the four fields of the first releases; the rest unset. */
    public FelixConfiguration(String name, Integer resyncIntervalSeconds, EndpointToHostAction defaultEndpointToHostAction,
                              String interfacePrefix, String logLevel) {
        this(name, resyncIntervalSeconds, defaultEndpointToHostAction, interfacePrefix, logLevel,
                null, null, null, null, null, null, null);
    }

    /** The settings of the fields before dataplaneDriver; it unset. */
    public FelixConfiguration(String name, Integer resyncIntervalSeconds, EndpointToHostAction defaultEndpointToHostAction,
                              String interfacePrefix, String logLevel, Boolean healthEnabled, String healthHost,
                              Integer healthPort, Boolean prometheusMetricsEnabled, String prometheusMetricsHost,
                              Integer prometheusMetricsPort, Boolean deniedFlowLogsEnabled) {
        this(name, resyncIntervalSeconds, defaultEndpointToHostAction, interfacePrefix, logLevel, healthEnabled,
                healthHost, healthPort, prometheusMetricsEnabled, prometheusMetricsHost, prometheusMetricsPort,
                deniedFlowLogsEnabled, null);
    }

    /** The settings of the fields before blockReserveEnabled; it unset. */
    public FelixConfiguration(String name, Integer resyncIntervalSeconds, EndpointToHostAction defaultEndpointToHostAction,
                              String interfacePrefix, String logLevel, Boolean healthEnabled, String healthHost,
                              Integer healthPort, Boolean prometheusMetricsEnabled, String prometheusMetricsHost,
                              Integer prometheusMetricsPort, Boolean deniedFlowLogsEnabled, DataplaneDriver dataplaneDriver) {
        this(name, resyncIntervalSeconds, defaultEndpointToHostAction, interfacePrefix, logLevel, healthEnabled,
                healthHost, healthPort, prometheusMetricsEnabled, prometheusMetricsHost, prometheusMetricsPort,
                deniedFlowLogsEnabled, dataplaneDriver, null);
    }

    public enum EndpointToHostAction {
        DROP, ACCEPT;

        @JsonCreator
        public static EndpointToHostAction parse(String text) {
            for (EndpointToHostAction action : values()) {
                if (action.toString().equals(text)) {
                    return action;
                }
            }
            throw ValidationException.field("defaultEndpointToHostAction", text, "is not drop or accept");
        }

        @JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FelixConfiguration {
        if (name == null || !(name.equals(GLOBAL) || name.startsWith(NODE_PREFIX))) {
            throw ValidationException.field("name", name, "is not 'global' or 'node.NODENAME'");
        }
        if (name.startsWith(NODE_PREFIX)) {
            Names.check("name", name.substring(NODE_PREFIX.length()));
        }
        if (resyncIntervalSeconds != null && (resyncIntervalSeconds < 1 || resyncIntervalSeconds > 3600)) {
            throw ValidationException.field("resyncIntervalSeconds", resyncIntervalSeconds, "is not in 1-3600");
        }
        if (interfacePrefix != null && !interfacePrefix.matches("[a-z][a-z0-9]{0,5}")) {
            throw ValidationException.field("interfacePrefix", interfacePrefix, "is not 1-6 lower-case letters or digits starting with a letter");
        }
        if (logLevel != null && !logLevel.matches("debug|info|warn|error")) {
            throw ValidationException.field("logLevel", logLevel, "is not debug, info, warn or error");
        }
        checkAddress("healthHost", healthHost);
        checkPort("healthPort", healthPort);
        checkAddress("prometheusMetricsHost", prometheusMetricsHost);
        checkPort("prometheusMetricsPort", prometheusMetricsPort);
    }

    /** A listening address is an IP address literal: a host name would make where the agent listens depend on DNS. */
    private static void checkAddress(String field, String host) {
        if (host != null && IpAddress.parseOrNull(host) == null) {
            throw ValidationException.field(field, host, "is not an IPv4 or IPv6 address");
        }
    }

    private static void checkPort(String field, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            throw ValidationException.field(field, port, "is not in 1-65535");
        }
    }

    public static String nodeName(String node) {
        return NODE_PREFIX + node;
    }

    /** A node's settings: its own layer over the global one over the defaults; either layer may be null. */
    public static FelixConfiguration effective(FelixConfiguration global, FelixConfiguration own) {
        FelixConfiguration effective = global == null ? DEFAULTS : global.merge(DEFAULTS);
        return own == null ? effective : own.merge(effective);
    }

    /** This layer's set fields, the rest from {@code below}. */
    public FelixConfiguration merge(FelixConfiguration below) {
        return new FelixConfiguration(name,
                resyncIntervalSeconds != null ? resyncIntervalSeconds : below.resyncIntervalSeconds,
                defaultEndpointToHostAction != null ? defaultEndpointToHostAction : below.defaultEndpointToHostAction,
                interfacePrefix != null ? interfacePrefix : below.interfacePrefix,
                logLevel != null ? logLevel : below.logLevel,
                healthEnabled != null ? healthEnabled : below.healthEnabled,
                healthHost != null ? healthHost : below.healthHost,
                healthPort != null ? healthPort : below.healthPort,
                prometheusMetricsEnabled != null ? prometheusMetricsEnabled : below.prometheusMetricsEnabled,
                prometheusMetricsHost != null ? prometheusMetricsHost : below.prometheusMetricsHost,
                prometheusMetricsPort != null ? prometheusMetricsPort : below.prometheusMetricsPort,
                deniedFlowLogsEnabled != null ? deniedFlowLogsEnabled : below.deniedFlowLogsEnabled,
                dataplaneDriver != null ? dataplaneDriver : below.dataplaneDriver,
                blockReserveEnabled != null ? blockReserveEnabled : below.blockReserveEnabled);
    }

    /** These settings with another interface prefix (the one the agent could accept). */
    public FelixConfiguration withInterfacePrefix(String prefix) {
        return new FelixConfiguration(name, resyncIntervalSeconds, defaultEndpointToHostAction, prefix, logLevel,
                healthEnabled, healthHost, healthPort, prometheusMetricsEnabled, prometheusMetricsHost,
                prometheusMetricsPort, deniedFlowLogsEnabled, dataplaneDriver, blockReserveEnabled);
    }

    /** These settings with the denied-flow log on or off. */
    public FelixConfiguration withDeniedFlowLogsEnabled(boolean enabled) {
        return new FelixConfiguration(name, resyncIntervalSeconds, defaultEndpointToHostAction, interfacePrefix, logLevel,
                healthEnabled, healthHost, healthPort, prometheusMetricsEnabled, prometheusMetricsHost,
                prometheusMetricsPort, enabled, dataplaneDriver, blockReserveEnabled);
    }

    /** These settings with the packet filter programmed by this driver. */
    public FelixConfiguration withDataplaneDriver(DataplaneDriver driver) {
        return new FelixConfiguration(name, resyncIntervalSeconds, defaultEndpointToHostAction, interfacePrefix, logLevel,
                healthEnabled, healthHost, healthPort, prometheusMetricsEnabled, prometheusMetricsHost,
                prometheusMetricsPort, deniedFlowLogsEnabled, driver, blockReserveEnabled);
    }

    /**
     * These settings with the node's next block claimed ahead of an add, or not (docs/ipam.md, "A block ready ahead of
     * an add").
     */
    public FelixConfiguration withBlockReserveEnabled(boolean enabled) {
        return new FelixConfiguration(name, resyncIntervalSeconds, defaultEndpointToHostAction, interfacePrefix, logLevel,
                healthEnabled, healthHost, healthPort, prometheusMetricsEnabled, prometheusMetricsHost,
                prometheusMetricsPort, deniedFlowLogsEnabled, dataplaneDriver, enabled);
    }

    @Override
    @JsonIgnore
    public String kind() {
        return KIND;
    }
}
