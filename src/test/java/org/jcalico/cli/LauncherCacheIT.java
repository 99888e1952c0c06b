package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.jcalico.datastore.embedded.SqliteLibrary;
import org.jcalico.kernel.CommandRunner;
import org.jcalico.testing.Unprivileged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's start-up caches (the everyday commands', the lists') hold the jar's classes, and the JVM runs them
 * from a cache recorded from an older jar without a word: a jar built after the caches (`mvn package` rather than the
 * launcher, which deletes them when it builds) has them recorded again, and SQLite's native library unpacked again.
 */
class LauncherCacheIT {
    private static final String RECORDING = "jcalico: recording a start-up cache (once per build)";
    @TempDir
    Path dir;

    @Test
    void aCacheOlderThanTheJarIsRecordedAgain() throws IOException, InterruptedException {
        Path target = copyOfTheBuild();
        Path jar = target.resolve("jcalico.jar");
        Path cache = target.resolve("jcalico.aot");
        Path lists = target.resolve("jcalico-lists.aot");

        // the scratch directories of launchers killed while they unpacked it, an old one and one that may be under way
        Path abandoned = Files.createDirectories(target.resolve("native-Ab3dEf"));
        Files.writeString(abandoned.resolve("part"), "x");
        Files.setLastModifiedTime(abandoned, FileTime.fromMillis(System.currentTimeMillis() - 120_000));
        Path underWay = Files.createDirectories(target.resolve("native-Gh5jKl"));

        Outcome first = run(dir.resolve("jcalico"));
        assertTrue(first.status() == 0 && first.err().contains(RECORDING) && Files.exists(cache) && Files.exists(lists),
                first.toString());
        // a jar the launcher did not build (no target/native, as after `mvn package`) still gets SQLite's library
        // unpacked, so that no JVM unpacks its own into /tmp
        Path sqlite = target.resolve("native").resolve(SqliteLibrary.entry());
        assertTrue(Files.getLastModifiedTime(sqlite).compareTo(Files.getLastModifiedTime(jar)) > 0, "SQLite's library unpacked");
        assertFalse(Files.exists(abandoned), "a killed launcher's scratch directory swept");
        assertTrue(Files.exists(underWay), "one that may be under way kept");
        Outcome second = run(dir.resolve("jcalico"));
        assertTrue(second.status() == 0 && !second.err().contains(RECORDING), "recorded once: " + second);

        long rebuiltAt = Files.getLastModifiedTime(cache).toMillis() + 2_000;
        Files.setLastModifiedTime(jar, FileTime.fromMillis(rebuiltAt));
        // as for a jar really rebuilt, its time is past when the launcher runs: what it unpacks now is newer than it
        // (the second run above can end within 2 s of the cache's recording, and a library touched then was older)
        Thread.sleep(Math.max(0, rebuiltAt + 50 - System.currentTimeMillis()));
        Outcome rebuilt = run(dir.resolve("jcalico"));
        assertTrue(rebuilt.status() == 0 && rebuilt.err().contains(RECORDING), "a jar newer than the cache: " + rebuilt);
        assertTrue(Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0);
        assertTrue(Files.getLastModifiedTime(lists).compareTo(Files.getLastModifiedTime(jar)) > 0);
        assertTrue(Files.getLastModifiedTime(sqlite).compareTo(Files.getLastModifiedTime(jar)) > 0, "unpacked again");
        assertFalse(run(dir.resolve("jcalico")).err().contains(RECORDING));
    }

    /**
     * Two commands started at once on a new build (the functional tests' classes run two at a time, each fork's first
     * command records the caches if none are there): one records, the other waits for it and maps what it recorded,
     * rather than two JVMs writing the same files at once.
     */
    @Test
    void twoCommandsAtOnceOnANewBuildRecordTheCachesOnce() throws IOException, InterruptedException {
        Path target = copyOfTheBuild();
        java.util.concurrent.CompletableFuture<Outcome> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return run(dir.resolve("jcalico"), dir.resolve("stderr-other"));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Outcome one = run(dir.resolve("jcalico"));
        Outcome two = other.join();
        assertTrue(one.status() == 0 && two.status() == 0, one + " / " + two);
        assertEquals(1, (one.err() + two.err()).split(java.util.regex.Pattern.quote(RECORDING), -1).length - 1, "recorded once: " + one + " / " + two);
        assertTrue(Files.exists(target.resolve("jcalico.aot")) && Files.exists(target.resolve("jcalico-lists.aot")));
        try (var left = Files.list(target)) {
            assertEquals(List.of(), left.filter(path -> path.getFileName().toString().matches(".*\\.aot\\..*")).toList(),
                    "no cache left half-made under its scratch name");
        }
        assertFalse(run(dir.resolve("jcalico")).err().contains(RECORDING), "the recorded caches are new");
    }

    /**
     * A launcher killed -9 while it records (a user's ^C reaches the whole group; a CI runner's kill) left the
     * recording JVM's training file and half-assembled cache under target/ and the training's store under /tmp, for
     * good: the next launcher, which takes the recording lock, sweeps what no recording under way can hold.
     */
    @Test
    void aRecordingKilledMidwayLeavesNothingBehind() throws IOException, InterruptedException {
        Path target = copyOfTheBuild();
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        ProcessBuilder builder = new ProcessBuilder("setsid", dir.resolve("jcalico").toString(), "version")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JCALICO_NO_AGENT", "1");
        builder.environment().put("TMPDIR", tmp.toString());
        Process launcher = builder.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (scratch(target).isEmpty() && launcher.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(scratch(target).isEmpty(), "the recording under way");
        // setsid execs the launcher in place: its pid leads the group, the recording JVM in it
        assertEquals(0, new ProcessBuilder("kill", "-KILL", "--", "-" + launcher.pid()).start().waitFor());
        launcher.waitFor();
        while (ProcessHandle.allProcesses().anyMatch(process -> process.info().arguments()
                .map(arguments -> String.join(" ", arguments).contains(target.toString())).orElse(false))) {
            Thread.sleep(20);
        }

        Outcome next = run(dir.resolve("jcalico"));
        assertTrue(next.status() == 0 && next.err().contains(RECORDING), next.toString());
        assertEquals(List.of(), scratch(target), "the killed recording's files swept");
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "nothing of the training left in TMPDIR");
        }
    }

    /**
     * Sources newer than the jar (a pull beside running agents): maven rewrote the jar in place, under every program
     * running from it, which read classes from a file being rewritten (session 67, t-flake: a lab's agent served no
     * page, a delegated list ran nowhere); and two commands started together each ran maven in the same tree. Now the
     * old jar is unlinked, so that what holds it open keeps it whole, and one build runs while the other waits. A maven
     * of the test's own stands in for the real one: it writes the jar in place, as maven does, after a second.
     */
    @Test
    void aRebuildLeavesTheJarThatRunningProgramsHoldWholeAndRunsOnce() throws IOException, InterruptedException {
        Path target = copyOfTheBuild();
        Path jar = target.resolve("jcalico.jar");
        // the new build: the jar with one entry more, so that a program reading the old one can tell them apart
        Path built = Files.copy(jar, dir.resolve("built.jar"));
        Files.writeString(dir.resolve("rebuilt.txt"), "rebuilt");
        assertEquals(0, new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jar").toString(), "uf",
                built.toString(), "-C", dir.toString(), "rebuilt.txt").inheritIO().start().waitFor());
        Path builds = dir.resolve("builds");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("mvn"), "#!/bin/sh\necho build >> " + builds + "\nsleep 1\ncat " + built
                + " > target/jcalico.jar\n");
        Files.setPosixFilePermissions(bin.resolve("mvn"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setLastModifiedTime(dir.resolve("src/main"), FileTime.fromMillis(System.currentTimeMillis() + 1_000));
        Thread.sleep(1_100);
        byte[] before = Files.readAllBytes(jar);
        try (java.nio.channels.FileChannel running = java.nio.channels.FileChannel.open(jar)) {
            java.util.concurrent.CompletableFuture<Outcome> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return run(dir.resolve("jcalico"), dir.resolve("stderr-other"), bin);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Outcome one = run(dir.resolve("jcalico"), dir.resolve("stderr"), bin);
            Outcome two = other.join();
            assertTrue(one.status() == 0 && two.status() == 0, one + " / " + two);
            assertEquals(List.of("build"), Files.readAllLines(builds), "one build for two commands: " + one + " / " + two);
            java.nio.ByteBuffer held = java.nio.ByteBuffer.allocate(before.length + 1);
            while (running.read(held, held.position()) > 0) {
                // the whole of what the running program still holds
            }
            assertEquals(before.length, held.position(), "the jar a running program holds keeps its length");
            assertTrue(java.util.Arrays.equals(before, java.util.Arrays.copyOf(held.array(), before.length)),
                    "and its bytes");
        }
    }

    /**
     * A build killed while maven writes the jar (a user's ^C reaches the whole group, a kill -9, the machine going down):
     * maven writes it in place, from an empty file on, so part of a jar was left, newer than the sources, and every
     * command after ran it ("Invalid or corrupt jarfile") until someone deleted it by hand. The next command builds it
     * again. A maven of the test's own writes part of the jar and is killed with its launcher; the next one writes it whole.
     * A mark beside a whole jar (maven run by hand after the killed build) builds nothing.
     */
    @Test
    void aBuildKilledWhileMavenWritesTheJarIsBuiltAgainByTheNextCommand() throws IOException, InterruptedException {
        Path target = copyOfTheBuild();
        Path whole = Files.copy(target.resolve("jcalico.jar"), dir.resolve("whole.jar"));
        Path builds = dir.resolve("builds");
        Path writing = dir.resolve("writing");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("mvn"), "#!/bin/sh\necho build >> " + builds + "\nif [ ! -e " + writing + " ]; then head -c 4096 "
                + whole + " > target/jcalico.jar; touch " + writing + "; sleep 60; fi\ncat " + whole + " > target/jcalico.jar\n");
        Files.setPosixFilePermissions(bin.resolve("mvn"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setLastModifiedTime(dir.resolve("src/main"), FileTime.fromMillis(System.currentTimeMillis() + 1_000));
        Thread.sleep(1_100);
        ProcessBuilder builder = new ProcessBuilder("setsid", dir.resolve("jcalico").toString(), "version")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JCALICO_NO_AGENT", "1");
        builder.environment().merge("PATH", bin.toString(), (path, first) -> first + ":" + path);
        Process launcher = builder.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(writing) && launcher.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(writing), "maven writing the jar");
        // setsid execs the launcher in place: its pid leads the group, maven in it
        assertEquals(0, new ProcessBuilder("kill", "-KILL", "--", "-" + launcher.pid()).start().waitFor());
        launcher.waitFor();

        Outcome next = run(dir.resolve("jcalico"), dir.resolve("stderr"), bin);
        assertTrue(next.status() == 0 && next.out().startsWith("jcalico "), next.toString());
        assertEquals(List.of("build", "build"), Files.readAllLines(builds), "built again: " + next);
        assertEquals(Files.size(whole), Files.size(target.resolve("jcalico.jar")));

        // a killed build's mark beside a jar that a maven run by hand has since written whole: that jar is run as it is
        Files.writeString(target.resolve(".build-unfinished"), "");
        Outcome byHand = run(dir.resolve("jcalico"), dir.resolve("stderr"), bin);
        assertTrue(byHand.status() == 0 && byHand.out().startsWith("jcalico "), byHand.toString());
        assertEquals(List.of("build", "build"), Files.readAllLines(builds), "no build: " + byHand);
        assertFalse(Files.exists(target.resolve(".build-unfinished")), "the mark taken away");
    }

    /** The files a recording writes under names of its own before the caches are renamed into place. */
    private static List<String> scratch(Path target) throws IOException {
        try (var names = Files.list(target)) {
            return names.map(path -> path.getFileName().toString()).filter(name -> name.matches(".*\\.aot\\..*|train-.*"))
                    .sorted().toList();
        }
    }

    /**
     * A user who cannot write target/ still runs a command when the jar is newer than SQLite's unpacked library (left to
     * the driver, as before): the launcher unpacking it for them stopped with a `mktemp` error instead.
     */
    @Test
    void aUserWhoCannotWriteTheBuildStillRunsACommand() throws IOException, InterruptedException {
        Path target = copyOfTheBuild();
        for (Path path : List.of(dir, target, target.resolve("lib"), dir.resolve("scripts"))) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        CommandRunner.Result version = Unprivileged.run("env", "JCALICO_NO_AGENT=1", dir.resolve("jcalico").toString(), "version");
        assertEquals(0, version.exitCode(), version.stderr());
        assertTrue(version.stdout().startsWith("jcalico "), version.stdout());
    }

    /** A copy of the launcher and its build in this test's directory, so that its runs leave the working tree alone. */
    private Path copyOfTheBuild() throws IOException, InterruptedException {
        Path home = Path.of("").toAbsolutePath();
        assertEquals(0, run(home.resolve("jcalico")).status(), "the jar is built");
        Files.copy(home.resolve("jcalico"), dir.resolve("jcalico"));
        Files.createDirectories(dir.resolve("scripts"));
        Files.copy(home.resolve("scripts/find-jdk"), dir.resolve("scripts/find-jdk"));
        Files.createDirectories(dir.resolve("src/main"));
        Files.writeString(dir.resolve("pom.xml"), "");
        Path target = Files.createDirectories(dir.resolve("target"));
        for (String name : List.of("jcalico.jar", ".jdk", ".jdk-major")) {
            Files.copy(home.resolve("target").resolve(name), target.resolve(name));
        }
        // copied, not linked: the working tree may lie where another user cannot reach it (a root's home)
        Path lib = Files.createDirectories(target.resolve("lib"));
        try (var jars = Files.list(home.resolve("target/lib"))) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, lib.resolve(jar.getFileName()));
            }
        }
        FileTime sourcesTime = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(dir.resolve("src/main"), sourcesTime);
        Files.setLastModifiedTime(dir.resolve("pom.xml"), sourcesTime);
        return target;
    }

    private record Outcome(int status, String out, String err) {
    }

    private Outcome run(Path launcher) throws IOException, InterruptedException {
        return run(launcher, dir.resolve("stderr"));
    }

    private Outcome run(Path launcher, Path stderr) throws IOException, InterruptedException {
        return run(launcher, stderr, null);
    }

    /** With BIN, when not null, first on the PATH (a maven of the test's own). */
    private Outcome run(Path launcher, Path stderr, Path bin) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "version");
        builder.environment().put("JCALICO_NO_AGENT", "1");
        if (bin != null) {
            builder.environment().merge("PATH", bin.toString(), (path, first) -> first + ":" + path);
        }
        builder.redirectError(stderr.toFile());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        return new Outcome(status, out, Files.readString(stderr));
    }
}
