package org.jcalico.testing;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.model.IpAddress;

/** busybox ping from a namespace at a fixed interval, until {@link #stop}: what a user watching the dataplane sees. */
public final class ContinuousPing {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received");
    private final Process process;

    private ContinuousPing(Process process) {
        this.process = process;
    }

    public static ContinuousPing start(String namespace, IpAddress to, int intervalMillis) throws IOException {
        return new ContinuousPing(new ProcessBuilder(CommandRunner.inNamespace(namespace).command(List.of("busybox", "ping",
                "-i", String.valueOf(intervalMillis / 1000.0), to.toString()))).redirectErrorStream(true).start());
    }

    /** Stops the ping as Ctrl-C would and reads its summary. */
    public Counts stop() throws IOException, InterruptedException {
        CommandRunner.local().run("kill", "-INT", Long.toString(process.pid())).check();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Matcher summary = SUMMARY.matcher(output);
        if (!summary.find()) {
            throw new AssertionError("no ping summary: " + output);
        }
        return new Counts(Integer.parseInt(summary.group(1)), Integer.parseInt(summary.group(2)));
    }

    public record Counts(int transmitted, int received) {
        public int lost() {
            return transmitted - received;
        }

        @Override
        public String toString() {
            return received + " of " + transmitted + " received";
        }
    }
}
