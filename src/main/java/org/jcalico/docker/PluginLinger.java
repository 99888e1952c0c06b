package org.jcalico.docker;

import java.time.Duration;
import org.jcalico.log.Log;

/**
 * A stopping agent keeps serving the docker plugin for a moment (docs/docker.md, "Stopping"): dockerd calls it to
 * release what it stops or removes, and a call that finds no plugin leaves jcalico's endpoint behind and makes dockerd
 * retry its lookup for up to 30 s. So on SIGTERM, before the agent's loop stops, the plugin is served on while calls
 * come: until none came for {@link #QUIET}, for {@link #LONGEST} at most (`node stop` kills an agent still there
 * after 10 s); at once closed only when dockerd answers and has no endpoint on a jcalico network.
 */
public final class PluginLinger {
    static final Duration QUIET = Duration.ofSeconds(2);
    static final Duration LONGEST = Duration.ofSeconds(8);
    private static final long STEP_MILLIS = 50;

    private PluginLinger() {
    }

    /**
     * Whether to serve on, {@code sinceStop} after the stop was asked and {@code sinceLastCall} after dockerd's last
     * call; {@code dockerHasEndpoints} null while unknown (dockerd not answered yet, or not at all).
     */
    static boolean serveOn(Duration sinceStop, Duration sinceLastCall, Boolean dockerHasEndpoints) {
        if (sinceStop.compareTo(LONGEST) >= 0) {
            return false;
        }
        return sinceLastCall.compareTo(QUIET) < 0 || sinceStop.compareTo(QUIET) < 0 && !Boolean.FALSE.equals(dockerHasEndpoints);
    }

    /** Returns once the plugin need be served no longer. */
    public static void serveWhileCalled(DockerPlugin plugin, NetworkDriver network, Log log) {
        long stop = System.nanoTime();
        java.util.concurrent.atomic.AtomicReference<Boolean> endpoints = new java.util.concurrent.atomic.AtomicReference<>();
        // dockerd may not answer (stopping itself, or gone): the question must not hold up the answer
        Thread.ofVirtual().name("docker-linger").start(() -> {
            try {
                endpoints.set(network.dockerHasEndpoints());
            } catch (RuntimeException e) {
                // unknown: serve on while calls come
            }
        });
        log.info("stopping: the docker plugin is served on while dockerd calls it (at most " + LONGEST.toSeconds() + " s)");
        try {
            while (serveOn(Duration.ofNanos(System.nanoTime() - stop), Duration.ofNanos(System.nanoTime() - plugin.lastCallNanos()),
                    endpoints.get())) {
                Thread.sleep(STEP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("stopping: the docker plugin is served no longer (" + (System.nanoTime() - stop) / 1_000_000 + " ms after the stop)");
    }
}
