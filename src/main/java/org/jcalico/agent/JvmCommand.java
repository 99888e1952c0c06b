package org.jcalico.agent;

import java.util.ArrayList;
import java.util.List;
import org.jcalico.datastore.DatastoreUrl;

/** How to run jcalico again in a new JVM (the agent and its supervisor, the lab's hosts, the benchmarks): same java, same jar. */
public final class JvmCommand {
    /**
     * The method that the agent's optimizing compiler (C2) gives up on at once, its budget of nodes being far below what
     * its graph needs, so that the first tier (C1) compiles it fully instead: reading a stored endpoint, which an
     * agent's first listing runs 100,000 times in a big cluster and hardly ever again. C2's compilation of it (its
     * callees, the record's constructor and its checks, all inlined) was the longest of `bench scale`'s start, on one of
     * the two cores while the listing was read, and its arena kept some 15 MB resident after in sync (docs/agent.md,
     * "Start-up of the agent", session 44). Its callees are compiled on their own as before; a change's one endpoint
     * decodes in microseconds either way.
     */
    static final String FIRST_TIER_ONLY = "org.jcalico.model.StoredRecords::endpoint";
    /**
     * The interned strings' and the symbols' hash tables of a long-lived jcalico JVM start at 4,096 buckets, not the
     * default 65,536 and 32,768: an idle agent holds some 7,400 interned strings and 14,400 symbols outside its AOT
     * cache, and the default tables' buckets, written whole when the JVM starts, were 0.7 MB of its native memory.
     * The strings' table grows after a collection (100,000 interned strings: 8,192 buckets); the symbols' did not at 26 a
     * bucket, so a bigger agent's lookups compare a few more symbols when a class is loaded or linked (docs/agent.md,
     * "Memory", session 63). The symbols' size is an experimental option of HotSpot's, and so unlocked.
     */
    static final List<String> SMALL_TABLES = List.of("-XX:StringTableSize=4096", "-XX:+UnlockExperimentalVMOptions",
            "-XX:SymbolTableSize=4096");
    /**
     * The agent's compilers wait for four times the calls and loops that the JVM's defaults wait for before they compile
     * a method: most of an agent's start runs a few hundred times and then never again (the listing's first pass, the
     * first programming), and a method compiled with its profiling keeps its code in the code cache and its metadata in
     * native memory for the agent's life; the cache's training, run with these options too, archives the profiles of
     * fewer methods. An idle agent compiled some 2,670 methods in its first 30 s with the defaults, 1,740 with these:
     * `bench idle` 84.1 -> 80.2 MiB. Hot code is still optimized, four times later by its own count: `bench felix`'s
     * cold programming and adds and `bench attach`'s adds were no slower in pairs, and `bench scale` no worse in a
     * quiet pair, twice each way: in sync 3.0 / 2.7 s against 3.0 / 3.1, RSS after the full GC 146 / 149 MB against
     * 157 / 155, change p99 17 / 17 ms against 23 / 38 (two loaded pairs had read the p99 higher, 75 against 43 and 67
     * against 55 ms, which the quiet pair did not bear out: the load's, not the option's; docs/agent.md, "Memory",
     * session 64 and the lead's paragraph after it).
     */
    static final String FEWER_COMPILATIONS = "-XX:CompileThresholdScaling=4";
    /**
     * The agent formats with the JDK's built-in English data, as every command the launcher starts has since session 27
     * (`HOST` does not exist on Linux, so the JDK uses its fallback provider in java.base), not with CLDR, the JDK's
     * default: the libraries an agent opens at its start make a date format each (Jackson's first mapper, SQLite's
     * connection), and the first started CLDR's adapter, its metadata and the 1,153 {@code Locale}s of its list of
     * available locales, which then stayed in an idle agent's heap and cache for nothing: 0.5-0.8 MiB of its RSS
     * (docs/agent.md, "Session 69 (p-idle4)"). The agent prints no localized text; its decimals (`%.1f`) now have a
     * point under any LANG, as the commands' always had, and a command it serves prints what the launcher's would.
     */
    static final String BUILT_IN_LOCALE_DATA = "-Djava.locale.providers=HOST";
    /**
     * The agent's JVM options, wherever its JVM starts (here, or as the node image's entry point, whose runtime is
     * linked from this JDK). The heap starts at 8 MB (an idle agent holds 5 MB of it; from 16 MB its young generation,
     * touched whole, kept 1.5-2.5 MB more resident) and gives back what a full collection frees beyond 5 %, all at
     * once rather than over four collections (the default initial heap, a 64th of the machine's memory, had an idle
     * agent touch over 100 MB of it; the default 70 % and the stepped shrinking kept a start-up's peak for good; 20 %
     * kept 15 MB more of `bench policy`'s heap for no collection fewer, 10 % until session 42 3 MB more of `bench
     * scale`'s); the young generation a seventh of the heap (NewRatio=6; by default a third, though the heap is mostly
     * the cluster's copy; a 24 MB cap instead promoted so much short-lived garbage that `bench policy`'s worker ran 300
     * young collections into a 400 MB heap and timed out); thread stacks
     * of 512 KiB, of which each thread touches the 10 pages below its deepest Java frame that the JVM keeps for native
     * code rather than the default 20 (the deepest native call, libnftables', needs 93-95 KB, more than either, and
     * runs on a thread of a few Java frames; SQLite's needs 5-10 KB); glibc's malloc arenas trimmed every 10 s; objects with 8-byte headers instead of 12 (JEP 519, a
     * product option since JDK 25, which jcalico requires: the heap is mostly small records of the cluster, 9 % less
     * of it); a full collection compacts the old generation completely, leaving none of it as dead space kept in place
     * (by default up to 5 %, 6 MB of filler in `bench policy`'s heap that the heap then stayed sized for)
     * (docs/agent.md, "Memory"); {@link #SMALL_TABLES}; {@link #FEWER_COMPILATIONS}; {@link #BUILT_IN_LOCALE_DATA}; and
     * {@link #FIRST_TIER_ONLY}.
     */
    public static final List<String> AGENT_FLAGS = flags(List.of("-XX:+UseSerialGC", "-XX:+UseCompactObjectHeaders", "-Xms8m",
            "-Xmx512m", "-XX:NewRatio=6", "-XX:MinHeapFreeRatio=5",
            "-XX:MaxHeapFreeRatio=5", "-XX:-ShrinkHeapInSteps",
            "-Xss512k", "-XX:StackShadowPages=10", "-XX:TrimNativeHeapInterval=10000", "-XX:MarkSweepDeadRatio=0",
            "--enable-native-access=ALL-UNNAMED", FEWER_COMPILATIONS, BUILT_IN_LOCALE_DATA, "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=MaxNodeLimit," + FIRST_TIER_ONLY + ",1000"), SMALL_TABLES);
    /**
     * The supervisor's JVM options: it starts the agent, then waits for it (a poll a second) for as long as it runs, so
     * it runs interpreted (no compiler threads, arenas or compiled code: 8 MB of RSS, and it starts the agent as soon as
     * with the first compiler tier), in a heap of a few MB (docs/agent.md, "Memory").
     */
    static final List<String> SUPERVISOR_FLAGS = flags(List.of("-XX:+UseSerialGC", "-Xint", "-Xms4m", "-Xmx64m", "-Xss512k",
            "-XX:-UsePerfData"), SMALL_TABLES);
    /** The supervisor's entry point: jcalico without its command line's parser and commands (cli/SupervisorMain). */
    static final String SUPERVISOR_MAIN = "org.jcalico.cli.SupervisorMain";
    /** The agent's entry point as its supervisor starts it: jcalico without its command line's parser (cli/AgentMain). */
    static final String AGENT_MAIN = "org.jcalico.cli.AgentMain";
    private static final String MAIN = "org.jcalico.cli.Main";
    /**
     * A short-lived command's JVM options, as the launcher (./jcalico) gives them: a command is over before the
     * optimizing compiler or a bigger collector would pay for their start-up; its heap and code in huge pages where
     * the kernel gives them on request, each 4 KB page's first touch being a fault of 15-30 us in a VM with page-table
     * isolation (docs/agent.md, "Start-up of a command", session 31).
     */
    private static final List<String> COMMAND_FLAGS = List.of("-XX:+UseSerialGC", "-XX:+UseTransparentHugePages",
            "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=20", "-Djdk.reflect.useNativeAccessorOnly=true", "-Dpicocli.disable.closures=true",
            BUILT_IN_LOCALE_DATA, "-Xss512k", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED");

    private JvmCommand() {
    }

    private static List<String> flags(List<String> own, List<String> shared) {
        List<String> all = new ArrayList<>(own);
        all.addAll(shared);
        return List.copyOf(all);
    }

    /** How a JVM of the agent's options comes to the agent's AOT cache ({@link AgentCache}). */
    public enum CacheUse {
        /** Recorded first if this build has none, then given: an agent's first start, the benchmarks' workers. */
        RECORD_AND_USE(true, true),
        /** Given if this build has one, never waited for: the agent (re)started by its supervisor. */
        USE_IF_RECORDED(false, true),
        /** Neither: a command line written down for later (the CNI plugin's script), which outlives this build's cache. */
        NONE(false, false);

        private final boolean record;
        private final boolean use;

        CacheUse(boolean record, boolean use) {
            this.record = record;
            this.use = use;
        }
    }

    /**
     * jcalico in a JVM with the agent's options: for agents, workers and benchmarks; with the agent's AOT cache when
     * run from the jar, recorded here first if this build has none.
     */
    public static List<String> jcalico() {
        return jcalico(CacheUse.RECORD_AND_USE);
    }

    /**
     * jcalico as a user runs it, from the shell of a lab's host: the launcher (./jcalico), which starts a command with the
     * commands' start-up cache and has the node's running agent serve the commands it serves (`container add` among them,
     * in the agent's warm JVM), when this JVM was started by it (jcalico.home); otherwise, from the tests' class path,
     * {@link #jcalico()}. The demo's and the attach bench's steps: a cold JVM of the agent's options per command, which
     * they ran before, made the demo's four adds "ready in" 1-4 s each (docs/agent.md, "Session 63 (d-demo)").
     */
    public static List<String> asUserRuns() {
        return asUserRuns(System.getProperty("jcalico.home"));
    }

    /** As {@link #asUserRuns()}, with the launcher in HOME (null: none). */
    static List<String> asUserRuns(String home) {
        return home != null ? List.of(home + "/jcalico") : jcalico();
    }

    /** jcalico in a JVM with the agent's options, and the agent's AOT cache as USE says. */
    public static List<String> jcalico(CacheUse use) {
        return agentJvm(use, MAIN, AgentCache.Kind.WORK);
    }

    /**
     * The agent on DATASTORE as its supervisor starts it, from its own entry point, with the AOT cache for that kind of
     * datastore if this build has one (never waited for): its start reaches the first listing without building
     * jcalico's command line (docs/agent.md, "Start-up of the agent", sessions 36 and 37).
     */
    static List<String> agent(DatastoreUrl datastore) {
        return agentJvm(CacheUse.USE_IF_RECORDED, AGENT_MAIN, AgentCache.Kind.of(datastore));
    }

    private static List<String> agentJvm(CacheUse use, String mainClass, AgentCache.Kind kind) {
        List<String> jvm = jvm(AGENT_FLAGS);
        String classPath = System.getProperty("java.class.path");
        List<String> cache = use.record || use.use ? AgentCache.options(jvm, classPath, use.record, kind) : List.of();
        if (use.use) {
            jvm.addAll(cache);
        }
        return main(jvm, classPath, mainClass);
    }

    /**
     * The supervisor of an agent on DATASTORE in a JVM of its own options, from its own entry point; the agent's AOT
     * cache is recorded here first if this build has none (the supervisor starts the agent at once, never after
     * waiting for a recording) and not given (the supervisor would map it for nothing: 7 MB of RSS).
     */
    public static List<String> supervisor(DatastoreUrl datastore) {
        recordAgentCache(datastore);
        return main(jvm(SUPERVISOR_FLAGS), System.getProperty("java.class.path"), SUPERVISOR_MAIN);
    }

    /**
     * Records the AOT cache for agents on DATASTORE if this build has none, for agents started later without waiting
     * for one ({@link #agent}): the supervisor's start, `bench scale` before its cluster.
     */
    public static void recordAgentCache(DatastoreUrl datastore) {
        AgentCache.options(jvm(AGENT_FLAGS), System.getProperty("java.class.path"), true, AgentCache.Kind.of(datastore));
    }

    /** jcalico in a JVM with the options the launcher gives a short-lived command (`apply`, `get`, `container add` ...). */
    public static List<String> command() {
        return command(System.getProperty("java.class.path"), List.of());
    }

    /**
     * As {@link #command()}, from CLASS_PATH, with OPTIONS after the command's own: the functional tests run their
     * commands from the packaged jar with the launcher's start-up cache, as `./jcalico` would.
     */
    public static List<String> command(String classPath, List<String> options) {
        List<String> jvm = jvm(COMMAND_FLAGS);
        jvm.addAll(options);
        return main(jvm, classPath, MAIN);
    }

    /** The JVM a short-lived command gets, without jcalico: the floor that `bench cli` measures commands against. */
    public static List<String> commandJvm() {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(COMMAND_FLAGS);
        return command;
    }

    private static String java() {
        return System.getProperty("jcalico.java", ProcessHandle.current().info().command().orElse("java"));
    }

    /** This java with FLAGS and the properties that tell a jcalico where it runs from. */
    private static List<String> jvm(List<String> flags) {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(flags);
        command.addAll(whereItRunsFrom());
        return command;
    }

    /**
     * The options that pass this JVM's knowledge of where jcalico runs from to a JVM it starts: the launcher's home and
     * java, and SQLite's library by path (which the driver would otherwise unpack into /tmp again in each JVM).
     */
    public static List<String> whereItRunsFrom() {
        List<String> options = new ArrayList<>();
        for (String property : List.of("org.sqlite.lib.path", "org.sqlite.lib.name", "jcalico.home", "jcalico.java")) {
            if (System.getProperty(property) != null) {
                options.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        return options;
    }

    private static List<String> main(List<String> jvm, String classPath, String mainClass) {
        List<String> command = new ArrayList<>(jvm);
        // a jar on -cp brings its manifest's Class-Path too, so this works from the jar and from the test classpath
        command.addAll(List.of("-cp", classPath, mainClass));
        return command;
    }
}
