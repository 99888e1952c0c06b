package org.jcalico.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.jcalico.agent.JvmCommand;
import org.jcalico.agent.RunDirectory;
import org.jcalico.datastore.embedded.SqliteLibrary;
import org.jcalico.kernel.KernelException;
import org.jcalico.util.Directories;
import org.jcalico.util.Futures;

/**
 * Builds the node image {@code jcalico/node:VERSION} with no registry: a Debian root file system made by mmdebstrap
 * from Debian's packages, a Java runtime cut down by jlink to the modules jcalico uses, and jcalico's jar with its
 * libraries, imported into the local dockerd as one layer.
 *
 * <p>Building is repeatable and paid once: the image carries a hash of everything that went into it (the recipe,
 * the JDK, the jar and libraries) as the label {@link #CONTENT_LABEL}, and an image of the same tag and hash is
 * reused as it is; the root file system and the Java runtime are cached as files under the cache directory, keyed by
 * what they were made from, so that a new jar costs only the assembly and the import.
 */
public final class NodeImage {
    public static final String REPOSITORY = "jcalico/node";
    public static final String CONTENT_LABEL = "org.jcalico.content";
    public static final Path DEFAULT_CACHE = Path.of("/var/cache/jcalico/node-image");
    static final String SUITE = "bookworm";
    /**
     * What the agent runs: BIRD and birdc, ip, iptables(-restore/-save) of both families, ipset, nftables (libnftables
     * and nft, the nftables driver's), sysctl, ulogd (denied flows).
     */
    static final List<String> PACKAGES = List.of("bird2", "iproute2", "iptables", "ipset", "nftables", "procps", "ulogd2",
            "ulogd2-json");
    /** Nobody reads documentation inside the node container: it is most of what a root file system would hold. */
    static final List<String> EXCLUDED = List.of("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*",
            "/usr/share/locale/*");
    /**
     * `jdeps --print-module-deps` of the jar and its libraries names java.base, java.desktop (Jackson's use of
     * java.beans), java.management, java.naming, java.net.http and java.sql (SQLite's JDBC driver); jdk.unsupported
     * is reached by reflection only (sun.misc.Unsafe), which jdeps cannot see; jdk.management holds the JVM's
     * diagnostic bean, through which the agent sizes its heap for its start (felix/StartPeak, since session 34: without
     * it the agent in the image died at its start, NodeImageRuntimeTest).
     */
    static final List<String> MODULES = List.of("java.base", "java.desktop", "java.management", "java.naming",
            "java.net.http", "java.sql", "jdk.management", "jdk.unsupported");
    static final Path HOME = Path.of("/opt/jcalico");
    /**
     * Where the agent in the image loads SQLite's native library from, by path: the driver would otherwise unpack a copy
     * into the container's /tmp at every start and delete it only at a normal exit, so each agent killed (a stop that
     * outlasts its timeout, a crash under the restart policy) left 1 MB in the container.
     */
    static final Path SQLITE_LIBRARY = HOME.resolve("native").resolve(SqliteLibrary.FILE);

    private final DockerCli docker;
    private final Path cache;
    private final Consumer<String> progress;

    public NodeImage(DockerCli docker, Path cache, Consumer<String> progress) {
        this.docker = docker;
        this.cache = cache;
        this.progress = progress;
    }

    /** What {@link #ensure} did: the image's tag, its content hash, whether an existing image was kept, and figures. */
    public record Built(String tag, String content, boolean reused, long millis, long bytes) {
    }

    /** The tag this jcalico's image has. */
    public static String tag() {
        String version = NodeImage.class.getPackage().getImplementationVersion();
        return REPOSITORY + ":" + (version == null ? "dev" : version);
    }

    /** The command the image starts with; `node run` appends jcalico's arguments. */
    static List<String> entrypoint() {
        List<String> command = new ArrayList<>(List.of(HOME.resolve("java/bin/java").toString()));
        command.addAll(JvmCommand.AGENT_FLAGS);
        command.addAll(List.of("-Dorg.sqlite.lib.path=" + SQLITE_LIBRARY.getParent(),
                "-Dorg.sqlite.lib.name=" + SQLITE_LIBRARY.getFileName()));
        command.addAll(List.of("-jar", HOME.resolve("jcalico.jar").toString()));
        return command;
    }

    /**
     * Makes sure the daemon has this jcalico's image, building it if it has not; one build at a time per cache
     * directory, so that two at once share the cached parts instead of making them twice.
     */
    public Built ensure() {
        try {
            // what is built there runs as root in the node's container: the directory must be root's alone to change
            RunDirectory.unchangeable(cache, "--cache-dir");
            try (FileChannel lock = FileChannel.open(cache.resolve("lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock held = lock.lock()) {
                return build();
            }
        } catch (IOException e) {
            throw new KernelException("cannot use the cache directory " + cache + ": " + e.getMessage());
        }
    }

    private Built build() {
        long begin = System.nanoTime();
        Path jar = jar();
        List<Path> libraries = libraries(jar);
        Path javaHome = Path.of(System.getProperty("java.home"));
        String content = hash(recipe(), javaRelease(javaHome), files(jar, libraries));
        String tag = tag();
        if (docker.label(tag, CONTENT_LABEL).filter(content::equals).isPresent()) {
            return new Built(tag, content, true, (System.nanoTime() - begin) / 1_000_000, size(tag));
        }
        // the two parts are independent and each mostly waits on one core (mmdebstrap on Debian's mirror and dpkg, jlink
        // compressing): made side by side, a first build takes the longer of them instead of their sum
        CompletableFuture<Path> linked = CompletableFuture.supplyAsync(() -> runtime(javaHome), Thread::startVirtualThread);
        Path rootfs;
        try {
            rootfs = rootfs();
        } finally {
            linked.handle((done, failure) -> null).join();
        }
        Path runtime = Futures.joined(linked);
        Path archive = cache.resolve("node-" + content.substring(0, 16) + ".tar");
        try {
            progress.accept("adding the Java runtime and " + jar.getFileName() + " to a copy of the root file system");
            Files.copy(rootfs, archive, StandardCopyOption.REPLACE_EXISTING);
            append(archive, runtime.getParent(), List.of(runtime.getFileName().toString()),
                    "s,^" + runtime.getFileName() + "," + relative(HOME.resolve("java")) + ",");
            List<String> jarFiles = new ArrayList<>(List.of(jar.getFileName().toString()));
            libraries.forEach(library -> jarFiles.add(jar.getParent().relativize(library).toString()));
            append(archive, jar.getParent(), jarFiles, "s,^," + relative(HOME) + "/,");
            Path sqlite = sqliteLibrary(libraries);
            append(archive, sqlite.getParent(), List.of(sqlite.getFileName().toString()),
                    "s,^," + relative(SQLITE_LIBRARY.getParent()) + "/,");
            progress.accept("importing it into docker as " + tag);
            DockerCli.longStep(docker.command("import",
                    "--change", "ENTRYPOINT " + json(entrypoint()),
                    "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "--change", "LABEL " + CONTENT_LABEL + "=" + content,
                    "--message", "jcalico node image", archive.toString(), tag), cache.resolve("build.log"));
        } catch (IOException e) {
            throw new KernelException("cannot assemble the node image in " + cache + ": " + e.getMessage());
        } finally {
            archive.toFile().delete();
        }
        return new Built(tag, content, false, (System.nanoTime() - begin) / 1_000_000, size(tag));
    }

    /** The root file system as a tar file, made by mmdebstrap once per recipe. */
    private Path rootfs() {
        // the format said, not guessed from the target's name: the ".partial" it is written under is no tar suffix
        List<String> command = new ArrayList<>(List.of("mmdebstrap", "--variant=essential", "--format=tar",
                "--include=" + String.join(",", PACKAGES)));
        EXCLUDED.forEach(path -> command.add("--dpkgopt=path-exclude=" + path));
        Path file = cache.resolve("rootfs-" + hash(String.join(" ", command), SUITE).substring(0, 16) + ".tar");
        if (Files.exists(file)) {
            return file;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/mmdebstrap"))) {
            throw new KernelException("building the node image needs mmdebstrap (apt-get install mmdebstrap)");
        }
        progress.accept("building a Debian " + SUITE + " root file system with " + String.join(", ", PACKAGES)
                + " (mmdebstrap; minutes the first time, then kept in " + file + ")");
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        command.addAll(List.of(SUITE, partial.toString()));
        DockerCli.longStep(command, cache.resolve("build.log"));
        move(partial, file);
        return file;
    }

    /**
     * The Java runtime, made by jlink from the JDK running this command once per JDK and module list; its output goes
     * to a log of its own, as it runs beside mmdebstrap's.
     */
    private Path runtime(Path javaHome) {
        Path dir = cache.resolve("java-" + hash(javaRelease(javaHome), String.join(",", MODULES)).substring(0, 16));
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path jlink = javaHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new KernelException("building the node image needs a JDK with jlink; " + javaHome + " has none");
        }
        progress.accept("linking a Java runtime of " + MODULES.size() + " modules from " + javaHome + " (jlink)");
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        Directories.delete(partial);
        DockerCli.longStep(List.of(jlink.toString(), "--add-modules", String.join(",", MODULES), "--strip-debug",
                "--no-man-pages", "--no-header-files", "--compress=zip-6", "--output", partial.toString()),
                cache.resolve("jlink.log"));
        move(partial, dir);
        return dir;
    }

    /** Appends files under dir to the tar, renamed by a sed expression, as root's. */
    private void append(Path archive, Path dir, List<String> files, String rename) {
        List<String> command = new ArrayList<>(List.of("tar", "--append", "--file", archive.toString(), "--owner=0",
                "--group=0", "--numeric-owner", "--transform", rename, "-C", dir.toString()));
        command.addAll(files);
        DockerCli.longStep(command, cache.resolve("build.log"));
    }

    /**
     * This jcalico's jar: the one this class came from, or, when it runs from Maven's class directory (the tests),
     * the jar that `mvn package` made beside it.
     */
    private static Path jar() {
        try {
            Path source = Path.of(NodeImage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jar = Files.isDirectory(source) ? source.resolveSibling("jcalico.jar") : source;
            if (!Files.isRegularFile(jar)) {
                throw new KernelException("no jcalico jar at " + jar + " to put into the node image (build it: mvn package)");
            }
            return jar;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("the class path is not a file path", e);
        }
    }

    /** The libraries the jar's manifest names (its Class-Path, relative to the jar). */
    private static List<Path> libraries(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
            List<Path> libraries = new ArrayList<>();
            for (String entry : classPath == null ? new String[0] : classPath.strip().split("\\s+")) {
                Path library = jar.resolveSibling(entry).normalize();
                if (!Files.isRegularFile(library) || !library.startsWith(jar.getParent())) {
                    throw new KernelException("the jar's library " + entry + " is missing at " + library);
                }
                libraries.add(library);
            }
            return libraries;
        } catch (IOException e) {
            throw new KernelException("cannot read " + jar + ": " + e.getMessage());
        }
    }

    /** SQLite's native library for this machine, taken out of its driver's jar (one of LIBRARIES) into the cache. */
    private Path sqliteLibrary(List<Path> libraries) throws IOException {
        Path dir = cache.resolve("native");
        Directories.delete(dir);
        for (Path library : libraries) {
            if (SqliteLibrary.extract(library, dir.resolve(SqliteLibrary.FILE))) {
                return dir.resolve(SqliteLibrary.FILE);
            }
        }
        throw new KernelException("none of the jar's libraries holds SQLite's native library " + SqliteLibrary.entry());
    }

    /** What decides the image apart from the files: the recipe and the entry point. */
    private static String recipe() {
        return String.join("\n", SUITE, String.join(",", PACKAGES), String.join(",", EXCLUDED),
                String.join(",", MODULES), String.join(" ", entrypoint()));
    }

    /** The JDK's `release` file names its vendor, version and modules: another JDK, another runtime. */
    private static String javaRelease(Path javaHome) {
        try {
            return javaHome + "\n" + Files.readString(javaHome.resolve("release"));
        } catch (IOException e) {
            throw new KernelException("cannot read " + javaHome.resolve("release") + ": " + e.getMessage());
        }
    }

    /** The jar and libraries' contents, each under its name. */
    private static String files(Path jar, List<Path> libraries) {
        MessageDigest digest = sha256();
        try {
            for (Path file : Stream.concat(Stream.of(jar), libraries.stream()).toList()) {
                digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(file)) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        digest.update(buffer, 0, n);
                    }
                }
            }
        } catch (IOException e) {
            throw new KernelException("cannot read " + jar.getParent() + ": " + e.getMessage());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String hash(String... parts) {
        MessageDigest digest = sha256();
        for (String part : parts) {
            digest.update(part.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private long size(String tag) {
        String size = docker.run("image", "inspect", "--format", "{{.Size}}", tag).check().stdout().strip();
        return Long.parseLong(size);
    }

    private static String relative(Path absolute) {
        return absolute.toString().substring(1);
    }

    /** A JSON array of strings (the exec form of ENTRYPOINT); the entry point holds no quote or backslash. */
    private static String json(List<String> values) {
        return "[" + String.join(", ", values.stream().map(value -> "\"" + value + "\"").toList()) + "]";
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KernelException("cannot move " + from + " to " + to + ": " + e.getMessage());
        }
    }
}
