package org.jcalico.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * glibc's {@code malloc_trim}: hands the free pages of every malloc arena back to the system. The JVM's compilers and
 * native libraries free what they malloc, but glibc keeps the freed pages resident until something trims them; the
 * JVM does every {@code -XX:TrimNativeHeapInterval}, and the agent does once more right after the full collection
 * that follows its first programming, when the start's peak of compiler work has just been freed (docs/agent.md,
 * "Memory"). A trim gives back only whole free pages, so the agent also has glibc map large blocks apart from its
 * arenas ({@code mallopt}). Where the C library has neither function (musl), both do nothing.
 */
public final class NativeHeap {
    private static final Optional<MethodHandle> TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(address -> Linker.nativeLinker().downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));

    /** glibc's mallopt parameter for the size from which a block is an mmap of its own (M_MMAP_THRESHOLD). */
    private static final int M_MMAP_THRESHOLD = -3;
    /**
     * 16 KB: the compilers' arena chunks (32 KB and larger) and every larger buffer are mapped on their own and go back
     * to the system when freed; glibc's default (128 KB, raised up to 32 MB as large blocks are freed) puts them in the
     * arenas, where the few small blocks that outlive them keep their pages resident through every trim.
     */
    static final int LARGE_BLOCK = 16 << 10;
    private static final Optional<MethodHandle> MALLOPT = Linker.nativeLinker().defaultLookup().find("mallopt")
            .map(address -> Linker.nativeLinker().downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));

    private NativeHeap() {
    }

    /**
     * From now on a block of {@link #LARGE_BLOCK} or more is an mmap of its own, returned to the system when freed,
     * instead of arena memory that only a trim can return, and only where nothing small still lives on its pages: the
     * agent calls it first thing (docs/agent.md, "Memory", session 37). True if the C library took the setting.
     */
    public static boolean mapLargeBlocksApart() {
        return MALLOPT.map(mallopt -> (int) Native.call(() -> mallopt.invoke(M_MMAP_THRESHOLD, LARGE_BLOCK)) == 1)
                .orElse(false);
    }

    /** Trims every arena, keeping no padding; true if the C library gave memory back. */
    public static boolean trim() {
        return TRIM.map(trim -> (int) Native.call(() -> trim.invoke(0L)) == 1).orElse(false);
    }
}
