package org.jcalico.datastore.etcd;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An etcd member's answer that fails its reader once the member has sent nothing for a while: the request's timeout
 * covers only the wait for the answer's headers, and a member cut off halfway through an answer (a partition: no
 * reset ever comes) held the call for ever, and with it the agent's loop or the command that made it. Only the
 * member's silence counts, while a read waits, not the reader's own time between reads: a large page parsed slowly is
 * not a stall. Closing the JDK's answer stream from another thread ends a read waiting on it.
 */
final class SilenceBoundedAnswer extends FilterInputStream {
    private static final ScheduledExecutorService WATCHMAN = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("jcalico-etcd-silence").factory());
    private final URI member;
    private final Duration bound;
    /** When the read under way began; 0 while none is. */
    private volatile long waitingSince;
    private volatile boolean cut;
    private final ScheduledFuture<?> check;

    SilenceBoundedAnswer(InputStream answer, URI member, Duration bound) {
        super(answer);
        this.member = member;
        this.bound = bound;
        long period = Math.max(1, bound.toMillis() / 4);
        this.check = WATCHMAN.scheduleWithFixedDelay(this::cutIfSilent, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public int read() throws IOException {
        waitingSince = System.nanoTime();
        try {
            return super.read();
        } catch (IOException e) {
            throw cut ? silence() : e;
        } finally {
            waitingSince = 0;
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        waitingSince = System.nanoTime();
        try {
            return super.read(buffer, offset, length);
        } catch (IOException e) {
            throw cut ? silence() : e;
        } finally {
            waitingSince = 0;
        }
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        super.close();
    }

    private IOException silence() {
        return new IOException("etcd at " + member + " sent nothing for " + bound.toSeconds()
                + " s in the middle of its answer");
    }

    private void cutIfSilent() {
        long since = waitingSince;
        if (since != 0 && System.nanoTime() - since > bound.toNanos()) {
            cut = true;
            check.cancel(false);
            try {
                in.close();
            } catch (IOException e) {
                // closed already: the read ends either way
            }
        }
    }
}
