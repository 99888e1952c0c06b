package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jcalico.kernel.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `node stop` stops BIRD; a BIRD stopped with SIGSTOP (or hung) neither answers birdc nor acts on SIGTERM, and the
 * command waited for its exit for ever. A stand-in named bird, with BIRD's pid file option, that stops itself.
 */
class StoppedBirdTest {
    @TempDir Path dir;

    @Test
    void aBirdThatNeitherAnswersNorExitsIsKilledAndTheStopEnds() throws Exception {
        Path pidFile = dir.resolve("bird.pid");
        Process bird = new ProcessBuilder("bash", "-c", "exec -a bird perl -e 'kill STOP => $$; sleep 300' -- -P \"$0\"",
                pidFile.toString()).start();
        try {
            Files.writeString(pidFile, bird.pid() + "\n");
            BirdDaemon daemon = new BirdDaemon(dir, CommandRunner.local());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (daemon.process().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(daemon.process().isPresent(), "the stand-in passes for the node's BIRD: "
                    + ProcessHandle.of(bird.pid()).flatMap(h -> h.info().arguments()).map(List::of));
            assertTimeoutPreemptively(Duration.ofSeconds(BgpStatus.QUERY_TIMEOUT_SECONDS + 2 * BirdDaemon.STOP_SECONDS + 10),
                    daemon::stop);
            assertFalse(bird.isAlive(), "BIRD is gone");
        } finally {
            bird.destroyForcibly();
        }
    }
}
