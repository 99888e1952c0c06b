package org.jcalico.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Moves the calling thread, and only it, into a network namespace (setns(2) with CLONE_NEWNET, which Linux applies
 * per thread), then checks that the thread is there. Only for a platform thread of one's own that does nothing else
 * for the rest of its life: a pooled or virtual thread would carry the namespace into unrelated work.
 */
final class ThreadNamespace {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = Native.libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = Native.libc("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("close"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private ThreadNamespace() {
    }

    /**
     * Enters the network namespace at {@code path} (/run/netns/NAME, /proc/PID/ns/net ...) on this thread; a
     * {@link KernelException} if it cannot, or if the thread's namespace is not that one afterwards.
     */
    static void enter(String path) {
        int fd = open(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            if ((int) SETNS.invoke(state, fd, CLONE_NEWNET) != 0) {
                throw new KernelException("cannot enter network namespace " + path + ": errno " + ERRNO.get(state, 0L));
            }
        } catch (KernelException e) {
            throw e;
        } catch (Throwable e) {
            throw new KernelException("cannot enter network namespace " + path + ": " + e);
        } finally {
            close(fd);
        }
        String here = current();
        String wanted = "net:[" + inode(path) + "]";
        if (!here.equals(wanted)) {
            throw new KernelException("entered " + path + " (" + wanted + ") but this thread is in " + here);
        }
    }

    /** A descriptor of the namespace at {@code path}, for setns or a netlink request that names it; {@link #close} it. */
    static int open(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invoke(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw new KernelException("cannot open network namespace " + path + ": errno " + ERRNO.get(state, 0L));
            }
            return fd;
        } catch (KernelException e) {
            throw e;
        } catch (Throwable e) {
            throw new KernelException("cannot open network namespace " + path + ": " + e);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invoke(fd);
        } catch (Throwable e) {
            // a descriptor that cannot be closed was never usable either: nothing to tell
        }
    }

    /** The calling thread's network namespace, as its /proc link names it ("net:[4026531840]"). */
    static String current() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        } catch (IOException e) {
            throw new KernelException("cannot read this thread's network namespace: " + e.getMessage());
        }
    }

    private static long inode(String path) {
        try {
            return ((Number) Files.getAttribute(Path.of(path), "unix:ino")).longValue();
        } catch (IOException e) {
            throw new KernelException("cannot stat network namespace " + path + ": " + e.getMessage());
        }
    }
}
