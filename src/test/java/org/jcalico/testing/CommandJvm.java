package org.jcalico.testing;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jcalico.agent.JvmCommand;
import org.jcalico.datastore.embedded.SqliteLibrary;

/**
 * The JVM in which a functional test runs a jcalico command (`apply`, `container add`, `node status` ...), started as
 * the launcher (./jcalico) starts one. The functional tests run hundreds of them, and `pool list` started cold from
 * the test class path took 0.44 s of user CPU on the project's 2-core machine; from the jar with the launcher's
 * start-up cache 0.21 s, and with SQLite's native library given by path instead of unpacked and checksummed at every
 * start 0.11 s (docs/testing.md).
 *
 * <p>The start-up cache holds classes of one jar, so a command gets it only when the test itself runs from the packaged
 * jar: Maven's integration-test phase puts target/jcalico.jar on the test's class path instead of target/classes, so
 * the commands then run exactly the code the test does. The cache is the launcher's own (target/jcalico.aot, recorded
 * once per build by `./jcalico version` when it is missing or older than the jar, as a user's first command would).
 * In the unit phase commands run from the test's class path, as before.
 *
 * <p>SQLite's library is given by path, as the launcher gives it ({@code org.sqlite.lib.path}, unpacked under
 * target/native as the launcher unpacks it): a system property of this JVM, so that every JVM that
 * {@link JvmCommand} starts from here (commands, agents and their supervisors) gets it too.
 */
public final class CommandJvm {
    private static final String CACHE = "jcalico.aot";
    /** The launcher records its caches by training on a scratch store: 9 s at load 9, 95 s at load 17 (session 32). */
    private static final long RECORD_SECONDS = 300;
    private static final Optional<Path> JAR = packagedJar();
    private static final List<String> CACHE_OPTIONS = JAR.map(CommandJvm::cacheOptions).orElse(List.of());

    static {
        unpackSqlite();
    }

    private CommandJvm() {
    }

    /** A command's JVM up to its main class, to which the command's arguments are appended. */
    public static List<String> command() {
        return JAR.map(jar -> JvmCommand.command(jar.toString(), CACHE_OPTIONS)).orElseGet(JvmCommand::command);
    }

    /**
     * The options by which a JVM started otherwise (a test's own, {@link JavaProcess}) learns what a jcalico JVM
     * would: SQLite's library by path once this class has unpacked it, and the launcher's properties.
     */
    public static List<String> passedOn() {
        return JvmCommand.whereItRunsFrom();
    }

    /** The project's jar, when it is what this JVM runs jcalico's classes from. */
    private static Optional<Path> packagedJar() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of).filter(path -> path.endsWith(Path.of("target", "jcalico.jar")) && Files.isRegularFile(path))
                .map(Path::toAbsolutePath).findFirst();
    }

    /** The launcher's start-up cache for JAR's commands, recorded by the launcher if this build has none. */
    private static List<String> cacheOptions(Path jar) {
        Path cache = jar.resolveSibling(CACHE);
        Path launcher = jar.getParent().getParent().resolve("jcalico");
        if (!newer(cache, jar) && Files.isExecutable(launcher)) {
            try {
                ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "version")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                builder.environment().put("JCALICO_NO_AGENT", "1");
                Process process = builder.start();
                if (!process.waitFor(RECORD_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException e) {
                System.err.println("commands start without the launcher's cache: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // the launcher's own options for its cache (./jcalico): mapped where recorded, profiles not replayed
        return newer(cache, jar) ? List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-XX:-AOTReplayTraining") : List.of();
    }

    private static boolean newer(Path file, Path than) {
        try {
            return Files.isRegularFile(file) && Files.getLastModifiedTime(file).compareTo(Files.getLastModifiedTime(than)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** SQLite's native library for this machine, unpacked where the launcher puts it, named to every JVM started from here. */
    private static void unpackSqlite() {
        try {
            Path target = Path.of(CommandJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
            // the driver's own name for this machine's folder, as the launcher's `uname -m`
            Path library = target.resolve("native").resolve(SqliteLibrary.entry());
            Path driver = Path.of(org.sqlite.JDBC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(library) && !SqliteLibrary.extract(driver, library)) {
                throw new IOException(driver + " holds no " + SqliteLibrary.entry());
            }
            System.setProperty("org.sqlite.lib.path", library.getParent().toString());
            System.setProperty("org.sqlite.lib.name", library.getFileName().toString());
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // each JVM then unpacks it itself, as without this
            System.err.println("SQLite's library is not given to the JVMs started from here: " + e);
        }
    }
}
