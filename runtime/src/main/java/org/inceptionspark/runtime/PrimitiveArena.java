package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * The native buffers one oneDNN primitive at a time works in (a convolution, a pooling): its
 * operands in the layouts it wants, its scratchpad and workspace, one buffer per role, each grown
 * to the largest layer's need and then kept. On this project's machines, memory that the process
 * gives back and touches again costs more than the arithmetic on it (a VM whose freed pages go back
 * to the host), and libnd4j's convolutions allocated these buffers afresh in every call
 * (docs/replica-performance.md, Memory touched afresh).
 *
 * <p>Arenas are pooled, not per thread: a JVM holds as many as primitives ever ran at once
 * (one per replica computing concurrently), whatever the number of threads Spark starts.
 */
final class PrimitiveArena {
    /**
     * The buffers, named for what a convolution keeps in each. A pooling borrows them (its plan
     * says which for what), so it adds no buffer beyond its workspace.
     */
    enum Role { SRC, WEIGHTS, DST, DIFF_DST, DIFF_DST_WEIGHTS, DIFF_WEIGHTS, SCRATCHPAD, WORKSPACE }

    private static final ConcurrentLinkedDeque<PrimitiveArena> POOL = new ConcurrentLinkedDeque<>();
    private static final AtomicLong HELD = new AtomicLong();

    private final dnnl_stream stream = Dnnl.stream();
    private final Map<Role, Pointer> buffers = new EnumMap<>(Role.class);
    private final Map<Role, Long> sizes = new EnumMap<>(Role.class);

    private static PrimitiveArena acquire() {
        PrimitiveArena arena = POOL.pollFirst();
        return arena != null ? arena : new PrimitiveArena();
    }

    private static void release(PrimitiveArena arena) {
        POOL.offerFirst(arena);
    }

    /** Runs {@code work} with a pooled arena, returned to the pool afterwards. */
    static void with(Consumer<PrimitiveArena> work) {
        PrimitiveArena arena = acquire();
        try {
            work.accept(arena);
        } finally {
            release(arena);
        }
    }

    /**
     * Grows one pooled arena to {@code needs} at once. Growing role by role as the first step
     * meets larger layers leaves each outgrown buffer behind in the allocator, which is what
     * pushed that step's peak above the later ones'.
     */
    static void reserve(Map<Role, Long> needs) {
        with(arena -> needs.forEach(arena::address));
    }

    /** Bytes held by every arena of this JVM. */
    static long heldBytes() {
        return HELD.get();
    }

    /** Bytes per role, summed over the pooled arenas (the ones not in use at the moment of the call). */
    static Map<Role, Long> pooledBytesByRole() {
        Map<Role, Long> out = new EnumMap<>(Role.class);
        for (PrimitiveArena a : POOL) {
            a.sizes.forEach((role, bytes) -> out.merge(role, bytes, Long::sum));
        }
        return out;
    }

    dnnl_stream stream() {
        return stream;
    }

    /**
     * This arena's buffer for {@code role}, at least {@code bytes} long and aligned to
     * {@link Dnnl#ALIGNMENT}. oneDNN's JIT kernels write some outputs with non-temporal stores,
     * which fault on an address that is not 64-byte aligned: glibc's malloc gives 16 (its large
     * chunks start 16 bytes past a page), jemalloc page-aligns large requests, so the alignment
     * is made here, not left to the allocator.
     */
    Span address(Role role, long bytes) {
        long have = sizes.getOrDefault(role, 0L);
        if (have < bytes) {
            Pointer old = buffers.remove(role);
            if (old != null) {
                Pointer.free(old);
                HELD.addAndGet(-have);
                sizes.remove(role);
            }
            Pointer fresh = Pointer.malloc(bytes + Dnnl.ALIGNMENT - 1);
            if (fresh == null || fresh.isNull()) {
                throw new OutOfMemoryError("malloc of " + bytes + " bytes for oneDNN's " + role + " buffer failed");
            }
            buffers.put(role, fresh);
            sizes.put(role, bytes);
            HELD.addAndGet(bytes);
            have = bytes;
        }
        long raw = buffers.get(role).address();
        return new Span((raw + Dnnl.ALIGNMENT - 1) & -Dnnl.ALIGNMENT, have);
    }

    /**
     * Executes with the arguments that have a buffer (no bias: {@link Span#NONE}), plus the
     * arena's scratchpad; {@code what} names the call in a size-check failure.
     */
    void execute(String what, dnnl_primitive p, dnnl_primitive_desc pd, int[] ids, dnnl_memory_desc_t[] mds,
                 Span[] spans) {
        dnnl_memory_desc_t scratch = Dnnl.scratchpad(pd);
        long scratchBytes = Dnnl.bytes(scratch);
        int n = scratchBytes > 0 ? 1 : 0;
        for (Span s : spans) {
            n += s.isNone() ? 0 : 1;
        }
        int[] argIds = new int[n];
        dnnl_memory_desc_t[] argMds = new dnnl_memory_desc_t[n];
        Span[] argSpans = new Span[n];
        int k = 0;
        for (int i = 0; i < ids.length; i++) {
            if (!spans[i].isNone()) {
                argIds[k] = ids[i];
                argMds[k] = mds[i];
                argSpans[k++] = spans[i];
            }
        }
        if (scratchBytes > 0) {
            argIds[k] = DNNL_ARG_SCRATCHPAD;
            argMds[k] = scratch;
            argSpans[k] = address(Role.SCRATCHPAD, scratchBytes);
        }
        Dnnl.execute(what, p, stream, argIds, argMds, argSpans);
    }
}
