package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How busy the machine was while a benchmark ran: its figures mean little on a loaded machine, its ratios more. */
final class MachineLoad {
    private MachineLoad() {
    }

    /** The load averages over 1, 5 and 15 minutes. */
    static String averages() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** One line for a report: the load before and now, and whether that counts as loaded. */
    static String describe(String before) {
        return "machine load average before / after: " + before + " / " + averages() + " on "
                + Runtime.getRuntime().availableProcessors() + " CPUs" + (loaded() ? ": LOADED, the times above are"
                + " inflated; compare the ratio, measured in the same run" : ": quiet");
    }

    /** Loaded: the last minute's load average above the number of CPUs. */
    private static boolean loaded() {
        try {
            double oneMinute = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            return oneMinute > Runtime.getRuntime().availableProcessors();
        } catch (IOException | NumberFormatException e) {
            return true;
        }
    }
}
