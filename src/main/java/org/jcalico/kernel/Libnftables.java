package org.jcalico.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * nftables' own library (libnftables.so.1, the one the {@code nft} command is built on), called in-process through
 * {@code java.lang.foreign}: the same parser, cache and netlink transaction as {@code nft -f}, without a process
 * per change. Loaded once, on first use; when it cannot be loaded, {@link #loaded()} is null and
 * {@link #failure()} says why (the caller then forks {@code nft}).
 */
final class Libnftables {
    private static final String SONAME = "libnftables.so.1";
    private static final int NFT_CTX_DEFAULT = 0;
    private final MethodHandle ctxNew;
    private final MethodHandle bufferOutput;
    private final MethodHandle bufferError;
    private final MethodHandle runCmd;
    private final MethodHandle outputBuffer;
    private final MethodHandle errorBuffer;
    private final MethodHandle ctxFree;

    private Libnftables(SymbolLookup library) {
        Linker linker = Linker.nativeLinker();
        ctxNew = linker.downcallHandle(library.findOrThrow("nft_ctx_new"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        bufferOutput = linker.downcallHandle(library.findOrThrow("nft_ctx_buffer_output"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        bufferError = linker.downcallHandle(library.findOrThrow("nft_ctx_buffer_error"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        runCmd = linker.downcallHandle(library.findOrThrow("nft_run_cmd_from_buffer"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        outputBuffer = linker.downcallHandle(library.findOrThrow("nft_ctx_get_output_buffer"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        errorBuffer = linker.downcallHandle(library.findOrThrow("nft_ctx_get_error_buffer"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        ctxFree = linker.downcallHandle(library.findOrThrow("nft_ctx_free"), FunctionDescriptor.ofVoid(ADDRESS));
    }

    /** The library, or null when it cannot be loaded (see {@link #failure()}). */
    static Libnftables loaded() {
        return Holder.LIBRARY;
    }

    /** Why the library could not be loaded; null when it was. */
    static String failure() {
        return Holder.FAILURE;
    }

    /**
     * Loads on first use: when a dataplane is made ({@link Nft}'s constructor), on either driver, so that a node on
     * nftables does not load it beside its first calculation (loading it at the first script instead cost that
     * calculation 70-120 ms and saved an iptables node 0.3 MB: docs/dataplane.md, "The nftables dataplane").
     */
    private static final class Holder {
        private static final Libnftables LIBRARY;
        private static final String FAILURE;

        static {
            Libnftables library = null;
            String failure = null;
            try {
                library = new Libnftables(SymbolLookup.libraryLookup(SONAME, Arena.global()));
            } catch (RuntimeException | LinkageError e) {
                failure = SONAME + ": " + e.getMessage();
            }
            LIBRARY = library;
            FAILURE = failure;
        }
    }

    /**
     * A context with its output and errors buffered: one per thread that uses it (libnftables' contexts are not
     * thread-safe), and its netlink socket opened in that thread's network namespace.
     */
    Context open() {
        MemorySegment ctx = (MemorySegment) Native.call(() -> ctxNew.invoke(NFT_CTX_DEFAULT));
        if (ctx.equals(MemorySegment.NULL)) {
            throw new KernelException("nft_ctx_new failed");
        }
        if ((int) Native.call(() -> bufferOutput.invoke(ctx)) != 0 || (int) Native.call(() -> bufferError.invoke(ctx)) != 0) {
            Native.call(() -> {
                ctxFree.invoke(ctx);
                return null;
            });
            throw new KernelException("nft_ctx_buffer_output failed");
        }
        return new Context(ctx);
    }

    /** What one script did: nft's exit status (0 or 1), what it printed and its errors. */
    record Outcome(int status, String output, String errors) {
    }

    final class Context implements AutoCloseable {
        private final MemorySegment ctx;

        private Context(MemorySegment ctx) {
            this.ctx = ctx;
        }

        /** Runs the script as {@code nft -f} would: one transaction, applied whole or refused whole. */
        Outcome run(String script) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment text = arena.allocateFrom(script);
                int status = (int) Native.call(() -> runCmd.invoke(ctx, text));
                return new Outcome(status == 0 ? 0 : 1, text((MemorySegment) Native.call(() -> outputBuffer.invoke(ctx))),
                        text((MemorySegment) Native.call(() -> errorBuffer.invoke(ctx))));
            }
        }

        @Override
        public void close() {
            Native.call(() -> {
                ctxFree.invoke(ctx);
                return null;
            });
        }
    }

    private static String text(MemorySegment buffer) {
        return buffer.equals(MemorySegment.NULL) ? "" : buffer.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
