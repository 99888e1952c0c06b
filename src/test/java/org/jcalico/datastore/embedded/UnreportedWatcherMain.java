package org.jcalico.datastore.embedded;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jcalico.datastore.Watch;
import org.jcalico.datastore.WatchEvent;
import org.jcalico.datastore.WatchListener;
import org.jcalico.testing.ThreadWakes;

/**
 * A watcher in a process the kernel refuses inotify instances (the test runs it in a user namespace whose limit is 0):
 * prints whether the kernel refused it, its poller's wakes and CPU over two idle seconds, "ready", and then the latency of each
 * of the writes another process makes (each write's value is the writer's System.nanoTime, the same clock here).
 */
public final class UnreportedWatcherMain {
    private UnreportedWatcherMain() {
    }

    public static void main(String[] args) throws Exception {
        org.jcalico.cli.Main.quietLibraryLogging();
        Path file = Path.of(args[0]);
        int writes = Integer.parseInt(args[1]);
        System.out.println("inotify " + (inotifyRefused() ? "refused" : "granted"));
        List<Long> micros = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch seen = new CountDownLatch(writes);
        try (EmbeddedDatastore store = EmbeddedDatastore.open(file);
             Watch ignored = store.watch("/latency/", store.list("").revision(), new WatchListener() {
                 @Override
                 public void onEvents(List<WatchEvent> events) {
                     long now = System.nanoTime();
                     events.forEach(event -> {
                         micros.add((now - Long.parseLong(event.value())) / 1000);
                         seen.countDown();
                     });
                 }

                 @Override
                 public void onResync(String reason) {
                     System.out.println("resync " + reason);
                 }
             })) {
            Thread poller = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("jcalico-watch " + file)).findFirst().orElseThrow();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            Thread.sleep(300);
            java.util.Map<Integer, Long> wakes = ThreadWakes.of(EmbeddedDatastoreTest.POLLER_KERNEL_NAME);
            long before = threads.getThreadCpuTime(poller.threadId());
            Thread.sleep(2000);
            long cpuMicros = (threads.getThreadCpuTime(poller.threadId()) - before) / 1000;
            System.out.println("idle-wakes " + ThreadWakes.mostSince(wakes, EmbeddedDatastoreTest.POLLER_KERNEL_NAME)
                    + " cpu-us " + cpuMicros);
            System.out.println("ready");
            boolean all = seen.await(30, TimeUnit.SECONDS);
            System.out.println("latencies-us " + (all ? "" : "incomplete ") + micros);
        }
    }

    private static boolean inotifyRefused() {
        try (WatchService ignored = FileSystems.getDefault().newWatchService()) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
