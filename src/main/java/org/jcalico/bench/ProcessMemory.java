package org.jcalico.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jcalico.kernel.CommandRunner;

/**
 * Where a JVM's resident memory lies, by mapping (/proc/PID/smaps): its Java heap (the anonymous pages inside the
 * heap's reserved range, which the caller reads from the JVM), the AOT cache, libjvm, other files, and the rest of
 * the anonymous memory (metaspace, code cache, thread stacks, the compiler's and everyone's malloc). Needs no
 * option in the measured JVM, unlike native memory tracking, so the figure is the JVM's as it runs.
 */
final class ProcessMemory {
    /** A generation's line of `jcmd PID GC.heap_info` (unindented: DefNew, Tenured), its used kilobytes. */
    static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final Pattern ADDRESS = Pattern.compile("0x([0-9a-f]+)");
    /** `jcmd VM.metaspace`'s total: "Total Usage - 270 loaders, 5544 classes (4014 shared):". */
    private static final Pattern CLASSES = Pattern.compile("Total Usage - (\\d+) loaders, (\\d+) classes \\((\\d+) shared\\)");
    /**
     * The AOT cache's pages that the JVM wrote (linking, profiles: private copies, memory the host spends as it does
     * anonymous memory), a share of the cache's part rather than a part of its own; the rest is the file's clean pages.
     */
    static final String WRITTEN = "of it written";

    private ProcessMemory() {
    }

    /** The process's mappings as the kernel describes them now. */
    static List<String> mappings(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/smaps"));
    }

    /**
     * Resident kilobytes by part of MAPPINGS, in a fixed order; HEAP_START and HEAP_END bound the Java heap's
     * reservation (which stays where it is: it may be read after the mappings).
     */
    static Map<String, Long> residentByPart(List<String> mappings, long heapStart, long heapEnd) {
        Map<String, Long> parts = new LinkedHashMap<>();
        for (String part : List.of("java heap", "AOT cache", WRITTEN, "libjvm", "other files", "other anonymous")) {
            parts.put(part, 0L);
        }
        String part = null;
        for (String line : mappings) {
            // a mapping's line starts with its address in lower-case hex; its fields' lines with a capitalized name
            if (!line.isEmpty() && Character.digit(line.charAt(0), 16) >= 0 && !Character.isUpperCase(line.charAt(0))) {
                String[] fields = line.trim().split("\\s+", 6);
                long start = Long.parseUnsignedLong(fields[0].substring(0, fields[0].indexOf('-')), 16);
                String file = fields.length == 6 ? fields[5] : "";
                part = file.endsWith(".aot") ? "AOT cache"
                        : file.endsWith("libjvm.so") ? "libjvm"
                        : file.startsWith("/") ? "other files"
                        : start >= heapStart && start < heapEnd ? "java heap"
                        : "other anonymous";
            } else if (line.startsWith("Rss:") && part != null) {
                parts.merge(part, Long.parseLong(line.replaceAll("\\D", "")), Long::sum);
            } else if (line.startsWith("Anonymous:") && "AOT cache".equals(part)) {
                parts.merge(WRITTEN, Long.parseLong(line.replaceAll("\\D", "")), Long::sum);
            }
        }
        return parts;
    }

    /** The process's resident set now (VmRSS), in kilobytes. */
    static long rssKilobytes(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(line -> line.startsWith("VmRSS:"))
                .map(line -> Long.parseLong(line.replaceAll("\\D", ""))).findFirst()
                .orElseThrow(() -> new IOException("no VmRSS in /proc/" + pid + "/status"));
    }

    /**
     * KILOBYTES (as /proc gives them: KiB) in both units the targets may mean, "146 MiB (153 MB)": a figure in
     * MiB alone read as decimal MB looks 5 % smaller than it is (docs/agent.md, "Memory", sessions 66 and 67).
     */
    static String inBothUnits(long kilobytes) {
        return String.format(java.util.Locale.ROOT, "%d MiB (%d MB)", Math.round(kilobytes / 1024.0),
                Math.round(kilobytes * 1024 / 1e6));
    }

    /** Whether KILOBYTES (KiB) are within TARGET megabytes, read as MiB and as decimal MB: "met; <= 150 MB: NOT met". */
    static String verdict(long kilobytes, int target) {
        return String.format(java.util.Locale.ROOT, "target <= %d MiB: %s; <= %d MB (%.1f MiB): %s", target,
                kilobytes <= target * 1024L ? "met" : "NOT met", target, target * 1e6 / (1 << 20),
                kilobytes * 1024 <= target * 1_000_000L ? "met" : "NOT met");
    }

    /**
     * The JVM PID's RSS by part of MAPPINGS, its heap bounded by the generations' reservations that the JVM reports
     * (`jcmd GC.heap_info`, the serial collector's generations; read after MAPPINGS: the attach starts a thread).
     */
    static String residentParts(long pid, List<String> mappings) throws IOException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        long low = Long.MAX_VALUE;
        long high = 0;
        for (String line : CommandRunner.local().run(jcmd, String.valueOf(pid), "GC.heap_info").check().stdout().lines().toList()) {
            if (!line.startsWith(" ") && HEAP_USED.matcher(line).find()) {
                Matcher address = ADDRESS.matcher(line);
                while (address.find()) {
                    long value = Long.parseUnsignedLong(address.group(1), 16);
                    low = Math.min(low, value);
                    high = Math.max(high, value);
                }
            }
        }
        return describe(residentByPart(mappings, low, high));
    }

    /**
     * The JVM PID's classes as its metaspace counts them (`jcmd VM.metaspace`; read last, as {@link #residentParts}:
     * the attach starts a thread and loads classes): see {@link #classes(String)}.
     */
    static String classes(long pid) throws IOException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        return classes(CommandRunner.local().run(jcmd, String.valueOf(pid), "VM.metaspace").check().stdout());
    }

    /**
     * What METASPACE (`jcmd VM.metaspace`'s report) says of the JVM's classes: how many are loaded, how many of them
     * came from the AOT cache, and its class loaders, nearly all of which hold one hidden class each (a lambda form or
     * a foreign function's stub spun at run time). A class the cache holds costs an idle agent less than one read from
     * the jar or spun (docs/agent.md, "Memory", session 67), so this line says how much of the agent the cache covers.
     */
    static String classes(String metaspace) {
        Matcher total = CLASSES.matcher(metaspace);
        if (!total.find()) {
            return "classes: not in jcmd VM.metaspace's report";
        }
        long loaders = Long.parseLong(total.group(1));
        long loaded = Long.parseLong(total.group(2));
        long cached = Long.parseLong(total.group(3));
        return String.format(java.util.Locale.ROOT, "%,d classes, %,d of them from the AOT cache, %,d not; %,d class loaders",
                loaded, cached, loaded - cached, loaders);
    }

    /** "java heap 81.0, AOT cache 32.2, of it written 14.1, ..." in megabytes (MiB). */
    static String describe(Map<String, Long> parts) {
        StringBuilder text = new StringBuilder();
        parts.forEach((part, kilobytes) -> text.append(text.isEmpty() ? "" : ", ").append(part).append(' ')
                .append(String.format("%.1f", kilobytes / 1024.0)));
        return text.toString();
    }
}
