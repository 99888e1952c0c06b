package org.jcalico.bgp;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.KernelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BIRD that accepts birdc's connection and never answers (hung, stopped with SIGSTOP) must cost a readiness probe,
 * a scrape or `node status` seconds, not the minute a kernel change is allowed: the real birdc against such a socket.
 */
class HungBirdTest {
    @TempDir Path dir;

    @Test
    void aBirdThatNeverAnswersIsNotAnsweringWithinTheQueryTimeout() throws Exception {
        Path socket = dir.resolve("bird.ctl");
        try (ServerSocketChannel hung = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            hung.bind(UnixDomainSocketAddress.of(socket));
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (SocketChannel ignored = hung.accept()) {
                    Thread.sleep(60_000);
                } catch (Exception e) {
                    // closed at the end of the test
                }
            });
            long start = System.nanoTime();
            KernelException e = assertThrows(KernelException.class, () -> BgpStatus.read(CommandRunner.local(), socket));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(e.getMessage().contains("not answering") && e.getMessage().contains("timed out"), e.getMessage());
            assertTrue(seconds < BgpStatus.QUERY_TIMEOUT_SECONDS + 3, "gave up after " + seconds + " s");
            acceptor.interrupt();
        }
    }
}
