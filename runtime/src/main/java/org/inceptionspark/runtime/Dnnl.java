package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import java.util.concurrent.atomic.LongAdder;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The few calls of oneDNN's C API (through JavaCPP's presets) that {@link ConvolutionPlan} and
 * {@link PoolingPlan} need,
 * each checked: a failed call throws with the call's name and oneDNN's status code.
 */
final class Dnnl {
    private static final dnnl_engine ENGINE = createEngine();

    private Dnnl() {
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    static void check(int status, String call) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN " + call + " failed with status " + status);
        }
    }

    /** A float32 memory descriptor of {@code dims} in layout {@code tag} (dnnl_format_tag_any: the primitive's choice). */
    static dnnl_memory_desc_t md(long[] dims, int tag) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(md, dims.length, dims, dnnl_f32, tag), "dnnl_memory_desc_init_by_tag");
        return md;
    }

    static boolean same(dnnl_memory_desc_t a, dnnl_memory_desc_t b) {
        return dnnl_memory_desc_equal(a, b) != 0;
    }

    static long bytes(dnnl_memory_desc_t md) {
        return md == null ? 0 : dnnl_memory_desc_get_size(md);
    }

    /** The primitive descriptor of an operation, or null when no implementation takes it. */
    static dnnl_primitive_desc descriptor(Pointer opDesc, dnnl_primitive_attr attr, dnnl_primitive_desc hint) {
        PointerPointer<?> out = new PointerPointer<>(1);
        if (dnnl_primitive_desc_create(out, new const_dnnl_op_desc_t(opDesc), attr, ENGINE, hint) != dnnl_success) {
            return null;
        }
        return new dnnl_primitive_desc(out.get(0));
    }

    static dnnl_primitive_desc reorderDescriptor(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        PointerPointer<?> out = new PointerPointer<>(1);
        check(dnnl_reorder_primitive_desc_create(out, from, ENGINE, to, ENGINE, null), "dnnl_reorder_primitive_desc_create");
        return new dnnl_primitive_desc(out.get(0));
    }

    static dnnl_primitive primitive(dnnl_primitive_desc pd) {
        PointerPointer<?> out = new PointerPointer<>(1);
        check(dnnl_primitive_create(out, pd), "dnnl_primitive_create");
        return new dnnl_primitive(out.get(0));
    }

    /** The descriptor {@code pd} gives its argument {@code query} (e.g. dnnl_query_src_md); owned by pd. */
    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int query) {
        return dnnl_primitive_desc_query_md(pd, query, 0);
    }

    static dnnl_memory_desc_t scratchpad(dnnl_primitive_desc pd) {
        return query(pd, dnnl_query_scratchpad_md);
    }

    /** The workspace a training forward primitive writes for its backward pass, or null when it writes none. */
    static dnnl_memory_desc_t workspace(dnnl_primitive_desc pd) {
        dnnl_memory_desc_t ws = query(pd, dnnl_query_workspace_md);
        return bytes(ws) > 0 ? ws : null;
    }

    static String implementation(dnnl_primitive_desc pd) {
        PointerPointer<?> out = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out), "dnnl_primitive_desc_query");
        return new BytePointer(out.get(0)).getString();
    }

    /** Whether oneDNN runs {@code pd} on one of its JIT kernels (not a reference or plain-C one). */
    static boolean isJit(dnnl_primitive_desc pd) {
        return implementation(pd).contains("jit");
    }

    /** Primitive attributes under which the caller passes the scratchpad (the arena's buffer). */
    static dnnl_primitive_attr scratchpadByCaller() {
        PointerPointer<?> out = new PointerPointer<>(1);
        check(dnnl_primitive_attr_create(out), "dnnl_primitive_attr_create");
        dnnl_primitive_attr attr = new dnnl_primitive_attr(out.get(0));
        check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                "dnnl_primitive_attr_set_scratchpad_mode");
        return attr;
    }

    static dnnl_stream stream() {
        PointerPointer<?> out = new PointerPointer<>(1);
        check(dnnl_stream_create(out, ENGINE, dnnl_stream_default_flags), "dnnl_stream_create");
        return new dnnl_stream(out.get(0));
    }

    /** Alignment of every buffer the arena hands out: a zmm register's width, which non-temporal stores need. */
    static final long ALIGNMENT = 64;

    /**
     * Runs {@code primitive} on {@code stream} with the given (argument id, descriptor, buffer)
     * triples; the memory objects wrap the addresses only for this call. Before it runs, each
     * descriptor's size is checked against the bytes its buffer owns: {@code what} (the shape
     * and the pass) names the call in the {@link OneDnnBufferException} a mismatch throws.
     */
    static void execute(String what, dnnl_primitive primitive, dnnl_stream stream, int[] argIds,
                        dnnl_memory_desc_t[] mds, Span[] spans) {
        int n = argIds.length;
        CHECKS.add(n);
        for (int i = 0; i < n; i++) {
            long needed = bytes(mds[i]);
            if (spans[i].isNone() || needed > spans[i].bytes()) {
                throw new OneDnnBufferException(what, argumentName(argIds[i]), needed,
                        spans[i].isNone() ? 0 : spans[i].bytes());
            }
        }
        dnnl_memory[] memories = new dnnl_memory[n];
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(n);
        try {
            for (int i = 0; i < n; i++) {
                PointerPointer<?> out = new PointerPointer<>(1);
                check(dnnl_memory_create(out, mds[i], ENGINE, new Address(spans[i].address())), "dnnl_memory_create");
                memories[i] = new dnnl_memory(out.get(0));
                args.position(i).arg(argIds[i]).memory(memories[i]);
            }
            args.position(0);
            check(dnnl_primitive_execute(primitive, stream, n, args), "dnnl_primitive_execute");
            check(dnnl_stream_wait(stream), "dnnl_stream_wait");
        } finally {
            for (dnnl_memory m : memories) {
                if (m != null) {
                    dnnl_memory_destroy(m);
                }
            }
            args.close();
        }
    }

    private static final LongAdder CHECKS = new LongAdder();

    /** Buffer checks made in this JVM so far (one per argument of every execution). */
    static long checks() {
        return CHECKS.sum();
    }

    /** What one buffer check costs, measured here: the descriptor-size query and the comparison. */
    static double nanosPerCheck() {
        dnnl_memory_desc_t md = md(new long[] {32, 64, 35, 35}, org.bytedeco.dnnl.global.dnnl.dnnl_nchw);
        Span span = new Span(1, Long.MAX_VALUE);
        int rounds = 200_000;
        long sink = 0;
        long t = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            sink += bytes(md) > span.bytes() ? 1 : 0;
        }
        double ns = (System.nanoTime() - t) / (double) rounds;
        measured = sink;
        return ns;
    }

    /** Keeps the measuring loop's result alive, so the JIT cannot drop the loop. */
    private static volatile long measured;

    /** oneDNN's name of an execution argument (DNNL_ARG_*), for messages. */
    static String argumentName(int id) {
        return switch (id) {
            case DNNL_ARG_SRC -> "SRC";
            case DNNL_ARG_DST -> "DST";
            case DNNL_ARG_WEIGHTS -> "WEIGHTS";
            case DNNL_ARG_BIAS -> "BIAS";
            case DNNL_ARG_MEAN -> "MEAN";
            case DNNL_ARG_VARIANCE -> "VARIANCE";
            case DNNL_ARG_SCALE -> "SCALE";
            case DNNL_ARG_SHIFT -> "SHIFT";
            case DNNL_ARG_WORKSPACE -> "WORKSPACE";
            case DNNL_ARG_SCRATCHPAD -> "SCRATCHPAD";
            case DNNL_ARG_DIFF_SRC -> "DIFF_SRC";
            case DNNL_ARG_DIFF_DST -> "DIFF_DST";
            case DNNL_ARG_DIFF_WEIGHTS -> "DIFF_WEIGHTS";
            case DNNL_ARG_DIFF_BIAS -> "DIFF_BIAS";
            case DNNL_ARG_DIFF_SCALE -> "DIFF_SCALE";
            case DNNL_ARG_DIFF_SHIFT -> "DIFF_SHIFT";
            default -> "argument " + id;
        };
    }

    private static dnnl_engine createEngine() {
        PointerPointer<?> out = new PointerPointer<>(1);
        check(dnnl_engine_create(out, dnnl_cpu, 0), "dnnl_engine_create");
        return new dnnl_engine(out.get(0));
    }

    /** A native address as a JavaCPP pointer that owns nothing. */
    private static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }
}
