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
 * "Memory"). Where the C library has no such function (musl), trimming does nothing.
 */
public final class NativeHeap {
    private static final Optional<MethodHandle> TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(address -> Linker.nativeLinker().downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));

    private NativeHeap() {
    }

    /** Trims every arena, keeping no padding; true if the C library gave memory back. */
    public static boolean trim() {
        return TRIM.map(trim -> (int) Native.call(() -> trim.invoke(0L)) == 1).orElse(false);
    }
}
