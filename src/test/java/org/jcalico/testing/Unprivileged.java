package org.jcalico.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcalico.kernel.CommandRunner;

/** Commands run as the unprivileged user nobody (uid and gid 65534, no supplementary groups), as a local attacker. */
public final class Unprivileged {
    private Unprivileged() {
    }

    /**
     * dir/NAME as /tmp is: anyone can add a name there, only a name's owner can take it away; dir is made enterable by
     * nobody. Skips the calling test unless it runs as root, which it needs to be someone else than nobody.
     */
    public static Path sharedDirectory(Path dir, String name) throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root, to be someone else");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = Files.createDirectory(dir.resolve(name));
        Files.setAttribute(shared, "unix:mode", 01777);
        return shared;
    }

    /** Plants {@code link}, a symbolic link of nobody's to {@code target}, as a local attacker would. */
    public static void link(Path target, Path link) {
        CommandRunner.Result planted = run("ln", "-s", target.toString(), link.toString());
        if (!planted.ok()) {
            throw new IllegalStateException("nobody could not plant " + link + ": " + planted.stderr().strip());
        }
    }

    public static CommandRunner.Result run(String... command) {
        return CommandRunner.local().run(asNobody(command));
    }

    /**
     * Runs a single-file Java program (the JDK's source launcher) as nobody; the source is written where that user can read
     * it, under {@code dir}.
     */
    public static CommandRunner.Result java(Path dir, String className, String source, String... args) throws IOException {
        return run(javaCommand(dir, className, source, args));
    }

    /** As {@link #java}, started: the program runs beside the test, which reads its output and ends it. */
    public static Process startJava(Path dir, String className, String source, String... args) throws IOException {
        return new ProcessBuilder(asNobody(javaCommand(dir, className, source, args))).redirectErrorStream(true).start();
    }

    private static String[] javaCommand(Path dir, String className, String source, String... args) throws IOException {
        Path sources = Files.createDirectories(dir.resolve("nobody-src"));
        Files.setPosixFilePermissions(sources, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = sources.resolve(className + ".java");
        Files.writeString(file, source);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", file.toString()));
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    private static List<String> asNobody(String... command) {
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        full.addAll(List.of(command));
        return full;
    }
}
