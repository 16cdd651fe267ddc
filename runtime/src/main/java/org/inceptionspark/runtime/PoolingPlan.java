package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_exclude_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_v2_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_v2_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.inceptionspark.runtime.PrimitiveArena.Role;

/**
 * One pooling shape's oneDNN primitives (forward for training, backward), run on DL4J's NCHW
 * arrays where oneDNN has a fast kernel for them, else on NHWC copies. oneDNN's fast kernels take
 * a plain NCHW tensor only while one image's 16-channel slice fits the per-core L3 share;
 * libnd4j hands oneDNN the NCHW arrays in any case, and Inception-v3's MaxPool_3a
 * (32x64x147x147) ran on the slow reference kernel (docs/replica-performance.md, Pooling).
 * Max pooling's backward pass runs the forward again for the argmax workspace, as libnd4j does,
 * instead of keeping one per layer.
 */
final class PoolingPlan {
    /** Max (else average, padding excluded from the count) pooling of NCHW floats over {@code window}. */
    record Shape(long batch, long channels, SpatialWindow window, boolean max) {
        long[] src() {
            return window.src(batch, channels);
        }

        long[] dst() {
            return window.dst(batch, channels);
        }

        @Override
        public String toString() {
            return (max ? "max" : "average") + " pooling " + batch + "x" + channels + ", " + window;
        }
    }

    /** Where the backward pass's recomputed forward output goes (DST holds the input gradient then). */
    private static final Role RECOMPUTED_DST = Role.DIFF_WEIGHTS;

    private final Shape shape;
    private final dnnl_primitive_desc forwardPd;
    private final dnnl_primitive_desc backwardPd;
    private final dnnl_primitive forward;
    private final dnnl_primitive backward;
    private final dnnl_memory_desc_t workspace;
    private final LayerOperands operands;

    private PoolingPlan(Shape s, dnnl_memory_desc_t srcInternal, dnnl_memory_desc_t dstInternal,
                        dnnl_primitive_desc forwardPd, dnnl_primitive_desc backwardPd) {
        this.shape = s;
        this.forwardPd = forwardPd;
        this.backwardPd = backwardPd;
        this.forward = Dnnl.primitive(forwardPd);
        this.backward = Dnnl.primitive(backwardPd);
        this.workspace = Dnnl.workspace(forwardPd);
        this.operands = new LayerOperands(s.src(), srcInternal, s.dst(), dstInternal);
    }

    /**
     * The plan of {@code s}, or null when oneDNN has no implementation of it: on DL4J's NCHW
     * arrays themselves where oneDNN runs a fast kernel on them, else on NHWC copies. Every pool
     * of Inception-v3 but the stem's takes NCHW directly, which saves the copies' two to four
     * transposes per call (docs/replica-performance.md, Pooling).
     */
    static PoolingPlan of(Shape s) {
        PoolingPlan plain = of(s, false);
        if (plain != null && plain.fast()) {
            return plain;
        }
        PoolingPlan copied = of(s, true);
        return copied != null ? copied : plain;
    }

    /** The plan of {@code s} on NHWC copies, or on DL4J's NCHW arrays; null when oneDNN has none. */
    static PoolingPlan of(Shape s, boolean nhwcCopies) {
        int layout = nhwcCopies ? dnnl_nhwc : dnnl_nchw;
        int alg = s.max() ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding;
        long[] strides = s.window().strides();
        long[] kernel = s.window().kernel();
        long[] dilation = s.window().dilates();
        long[] padL = s.window().padBegin();
        long[] padR = s.window().padEnd();
        dnnl_memory_desc_t src = Dnnl.md(s.src(), layout);
        dnnl_memory_desc_t dst = Dnnl.md(s.dst(), layout);
        dnnl_primitive_attr attr = Dnnl.scratchpadByCaller();
        dnnl_pooling_v2_desc_t fd = new dnnl_pooling_v2_desc_t();
        dnnl_pooling_v2_desc_t bd = new dnnl_pooling_v2_desc_t();
        if (dnnl_pooling_v2_forward_desc_init(fd, dnnl_forward_training, alg, src, dst, strides, kernel,
                dilation, padL, padR) != dnnl_success
                || dnnl_pooling_v2_backward_desc_init(bd, alg, src, dst, strides, kernel, dilation, padL,
                        padR) != dnnl_success) {
            return null;
        }
        dnnl_primitive_desc forwardPd = Dnnl.descriptor(fd, attr, null);
        dnnl_primitive_desc backwardPd = forwardPd == null ? null : Dnnl.descriptor(bd, attr, forwardPd);
        return backwardPd == null ? null : new PoolingPlan(s, src, dst, forwardPd, backwardPd);
    }

    /** Whether the plan runs on NHWC copies (else on DL4J's NCHW arrays). */
    boolean copies() {
        return operands.copies();
    }

    /** Both primitives are oneDNN's JIT kernels (not its reference ones). */
    private boolean fast() {
        return Dnnl.isJit(forwardPd) && Dnnl.isJit(backwardPd);
    }

    Shape shape() {
        return shape;
    }

    String implementations() {
        return Dnnl.implementation(forwardPd) + " / " + Dnnl.implementation(backwardPd)
                + (copies() ? " on NHWC copies" : " on NCHW");
    }

    /** The arena bytes each role needs for this shape. */
    Map<Role, Long> needs() {
        Map<Role, Long> needs = operands.arenaNeeds(forwardPd, backwardPd);
        needs.merge(RECOMPUTED_DST, Dnnl.bytes(operands.dst.internal), Math::max);
        if (workspace != null) {
            needs.put(Role.WORKSPACE, Dnnl.bytes(workspace));
        }
        return needs;
    }

    /** {@code dst := pool(src)}; NCHW float arrays. */
    void forward(Span src, Span dst) {
        PrimitiveArena.with(arena -> forward(arena, src, dst));
    }

    private void forward(PrimitiveArena arena, Span src, Span dst) {
        String what = shape + " forward";
        Span x = operands.src.in(what, arena, src);
        Span y = operands.dst.out(arena, dst);
        runForward(what, arena, x, y);
        operands.dst.deliver(what, arena, y, dst);
    }

    /** {@code diffSrc} (overwritten) from the output's gradient; {@code src} is the forward input. */
    void backward(Span src, Span diffDst, Span diffSrc) {
        PrimitiveArena.with(arena -> backward(arena, src, diffDst, diffSrc));
    }

    private void backward(PrimitiveArena arena, Span src, Span diffDst, Span diffSrc) {
        String what = shape + " backward";
        Span ws = Span.NONE;
        if (workspace != null) {
            Span x = operands.src.in(what, arena, src);
            ws = runForward(what + " (argmax)", arena, x,
                    arena.address(RECOMPUTED_DST, Dnnl.bytes(operands.dst.internal)));
        }
        Span dy = operands.diffDst.in(what, arena, diffDst);
        Span dx = operands.diffSrc.out(arena, diffSrc);
        arena.execute(what, backward, backwardPd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_WORKSPACE},
                new dnnl_memory_desc_t[] {operands.dst.internal, operands.src.internal, workspace},
                new Span[] {dy, dx, ws});
        operands.diffSrc.deliver(what, arena, dx, diffSrc);
    }

    /** Runs the forward primitive on internal-layout buffers; returns the workspace ({@link Span#NONE} if none). */
    private Span runForward(String what, PrimitiveArena arena, Span x, Span y) {
        Span ws = workspace == null ? Span.NONE : arena.address(Role.WORKSPACE, Dnnl.bytes(workspace));
        arena.execute(what, forward, forwardPd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE},
                new dnnl_memory_desc_t[] {operands.src.internal, operands.dst.internal, workspace},
                new Span[] {x, y, ws});
        return ws;
    }
}
