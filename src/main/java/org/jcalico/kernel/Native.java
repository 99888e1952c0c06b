package org.jcalico.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/** libc's functions through {@code java.lang.foreign}, and calling them without wrapping what they throw. */
final class Native {
    private static final Linker LINKER = Linker.nativeLinker();

    private Native() {
    }

    /** A libc function whose errno is captured into the call state passed as its first argument. */
    static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    interface Call {
        Object invoke() throws Throwable;
    }

    static Object call(Call call) {
        try {
            return call.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
