package org.jcalico.felix;

import java.nio.file.Path;
import org.jcalico.bgp.BirdConfig;
import org.jcalico.bgp.BirdDaemon;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.kernel.KernelException;
import org.jcalico.log.Log;
import org.jcalico.model.ValidationException;

/**
 * The agent's side of BGP: BIRD's configuration follows every snapshot, and BIRD is restarted within a second if
 * it dies. Failures are logged and retried; they never stop the agent from programming its own host.
 */
public final class BgpSpeaker {
    static final long CHECK_MILLIS = 1000;
    private final BirdDaemon bird;
    private final Path birdLog;
    private final Log log;
    private String config;
    private String lastError;
    private long nextCheck;

    public BgpSpeaker(BirdDaemon bird, Path birdLog, Log log) {
        this.bird = bird;
        this.birdLog = birdLog;
        this.log = log;
    }

    void configure(Snapshot snapshot) {
        try {
            config = BirdConfig.render(snapshot, birdLog);
            ensure();
        } catch (ValidationException e) {
            log.error("BGP not configured: " + e.getMessage());
        }
    }

    void supervise() {
        if (config != null && System.currentTimeMillis() >= nextCheck) {
            ensure();
        }
    }

    private void ensure() {
        nextCheck = System.currentTimeMillis() + CHECK_MILLIS;
        try {
            bird.ensure(config).ifPresent(action -> log.info("BIRD " + action + " (" + bird.socket() + ")"));
            lastError = null;
        } catch (KernelException e) {
            if (!e.getMessage().equals(lastError)) {
                log.error("BIRD: " + e.getMessage() + "; retrying every second");
            }
            lastError = e.getMessage();
        }
    }
}
