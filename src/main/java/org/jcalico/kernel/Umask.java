package org.jcalico.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The process's file mode creation mask, umask(2): the JVM has no call for it, and a mask set here is what every
 * process this one starts inherits. It cannot fail.
 */
public final class Umask {
    /** Nothing for other users, no write for the group: files made 0640, directories 0750. */
    public static final int CLOSED_TO_OTHERS = 0027;

    private Umask() {
    }

    /** Sets the process's mask; returns the one it had. */
    public static int set(int mask) {
        Linker linker = Linker.nativeLinker();
        MethodHandle umask = linker.downcallHandle(linker.defaultLookup().findOrThrow("umask"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        return (Integer) Native.call(() -> (int) umask.invokeExact(mask));
    }
}
