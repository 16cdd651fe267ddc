package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_aBcd16b;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fuse_norm_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_shift;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.inceptionspark.runtime.PrimitiveArena.Role;

/**
 * One NCHW shape's batch normalization in training mode through oneDNN 2.5: the forward pass
 * computes the batch mean and (biased) variance itself and normalizes, the backward pass gives
 * the input gradient and the scale and shift gradients from the batch statistics, one primitive
 * each. DL4J's oneDNN helper computed mean and variance with two generic ND4J reductions before
 * oneDNN's inference kernel, and its backward was libnd4j's (or {@link BatchNormBackprop}'s five
 * passes), a large share of the step (docs/replica-performance.md, Batch norm).
 *
 * <p>The primitives run on copies in oneDNN's 16-channel blocked layout, reordered into and out
 * of the {@link PrimitiveArena}: oneDNN's kernel for DL4J's plain NCHW is not a JIT one, and the
 * blocked kernel saves more than the reorders cost (docs/replica-performance.md, Batch norm).
 * Where the blocked layout has
 * no JIT kernel either, the plan runs on DL4J's arrays.
 */
final class BatchNormPlan {
    /**
     * {@code batch x channels x height x width} floats, epsilon as oneDNN takes it (float);
     * {@code relu}: the output rectified in the same primitive, whose backward pass then takes
     * the rectified output's gradient (through a mask the forward pass writes: a bit per element on
     * the JIT kernel).
     */
    record Shape(long batch, long channels, long height, long width, float epsilon, boolean relu) {
        long[] dims() {
            return new long[] {batch, channels, height, width};
        }

        @Override
        public String toString() {
            return "batch norm " + batch + "x" + channels + "x" + height + "x" + width + ", eps " + epsilon
                    + (relu ? ", ReLU" : "");
        }
    }

    private final Shape shape;
    private final dnnl_memory_desc_t perChannel;
    private final dnnl_memory_desc_t reluMask;
    private final dnnl_primitive_desc forwardPd;
    private final dnnl_primitive_desc backwardPd;
    private final dnnl_primitive forward;
    private final dnnl_primitive backward;
    private final LayerOperands operands;

    private BatchNormPlan(Shape s, dnnl_memory_desc_t data, dnnl_memory_desc_t perChannel,
                          dnnl_primitive_desc forwardPd, dnnl_primitive_desc backwardPd) {
        this.shape = s;
        this.perChannel = perChannel;
        this.forwardPd = forwardPd;
        this.backwardPd = backwardPd;
        this.forward = Dnnl.primitive(forwardPd);
        this.backward = Dnnl.primitive(backwardPd);
        this.reluMask = Dnnl.workspace(forwardPd);
        this.operands = new LayerOperands(s.dims(), data, s.dims(), data);
    }

    /**
     * The plan of {@code s} on blocked copies where oneDNN has a JIT kernel for them, else on
     * NCHW; null when oneDNN has none.
     */
    static BatchNormPlan of(Shape s) {
        BatchNormPlan blocked = of(s, true);
        if (blocked != null && blocked.fast()) {
            return blocked;
        }
        BatchNormPlan plain = of(s, false);
        return plain != null ? plain : blocked;
    }

    /** The plan of {@code s} on blocked copies, or on DL4J's NCHW arrays; null when oneDNN has none. */
    static BatchNormPlan of(Shape s, boolean blockedCopies) {
        dnnl_memory_desc_t data = Dnnl.md(s.dims(), blockedCopies ? dnnl_aBcd16b : dnnl_nchw);
        dnnl_memory_desc_t perChannel = Dnnl.md(new long[] {s.channels()}, dnnl_x);
        int flags = dnnl_use_scale | dnnl_use_shift | (s.relu() ? dnnl_fuse_norm_relu : 0);
        dnnl_batch_normalization_desc_t fd = new dnnl_batch_normalization_desc_t();
        dnnl_batch_normalization_desc_t bd = new dnnl_batch_normalization_desc_t();
        if (dnnl_batch_normalization_forward_desc_init(fd, dnnl_forward_training, data, s.epsilon(), flags) != dnnl_success
                || dnnl_batch_normalization_backward_desc_init(bd, dnnl_backward, data, data, s.epsilon(), flags)
                != dnnl_success) {
            return null;
        }
        dnnl_primitive_desc forwardPd = Dnnl.descriptor(fd, Dnnl.scratchpadByCaller(), null);
        dnnl_primitive_desc backwardPd = forwardPd == null ? null
                : Dnnl.descriptor(bd, Dnnl.scratchpadByCaller(), forwardPd);
        return backwardPd == null ? null : new BatchNormPlan(s, data, perChannel, forwardPd, backwardPd);
    }

    Shape shape() {
        return shape;
    }

    /** Whether the plan runs on blocked copies (else on DL4J's NCHW arrays). */
    boolean copies() {
        return operands.copies();
    }

    private boolean fast() {
        return Dnnl.isJit(forwardPd) && Dnnl.isJit(backwardPd);
    }

    /** Bytes of the ReLU mask a rectifying plan's forward pass writes and its backward pass reads (0 for none). */
    long reluMaskBytes() {
        return reluMask == null ? 0 : Dnnl.bytes(reluMask);
    }

    /** The arena bytes each role needs for this shape. */
    Map<Role, Long> needs() {
        return operands.arenaNeeds(forwardPd, backwardPd);
    }

    String implementations() {
        return Dnnl.implementation(forwardPd) + " / " + Dnnl.implementation(backwardPd)
                + (copies() ? " on blocked copies" : " on NCHW");
    }

    /**
     * {@code dst := gamma * (src - mean) / sqrt(variance + eps) + beta} (then {@code max(0, dst)}
     * and its mask at {@code reluMask} for a rectifying plan, else {@code reluMask} is
     * {@link Span#NONE}), writing the batch's mean and variance.
     */
    void forward(Span src, Span gamma, Span beta, Span dst, Span mean, Span variance, Span reluMask) {
        PrimitiveArena.with(arena -> forward(arena, src, gamma, beta, dst, mean, variance, reluMask));
    }

    private void forward(PrimitiveArena arena, Span src, Span gamma, Span beta, Span dst, Span mean, Span variance,
                         Span mask) {
        String what = shape + " forward";
        Span x = operands.src.in(what, arena, src);
        Span y = operands.dst.out(arena, dst);
        arena.execute(what, forward, forwardPd,
                new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE,
                        DNNL_ARG_WORKSPACE},
                new dnnl_memory_desc_t[] {operands.src.internal, perChannel, perChannel, operands.dst.internal,
                        perChannel, perChannel, reluMask},
                new Span[] {x, gamma, beta, y, mean, variance, mask});
        operands.dst.deliver(what, arena, y, dst);
    }

    /**
     * The input, scale and shift gradients (overwritten) from the batch statistics and, for a
     * rectifying plan, the ReLU mask of the forward pass ({@code diffDst} is then the rectified
     * output's gradient).
     */
    void backward(Span src, Span mean, Span variance, Span reluMask, Span diffDst, Span gamma, Span beta,
                  Span diffSrc, Span diffGamma, Span diffBeta) {
        PrimitiveArena.with(arena -> backward(arena, src, mean, variance, reluMask, diffDst, gamma, beta, diffSrc,
                diffGamma, diffBeta));
    }

    private void backward(PrimitiveArena arena, Span src, Span mean, Span variance, Span mask, Span diffDst,
                          Span gamma, Span beta, Span diffSrc, Span diffGamma, Span diffBeta) {
        String what = shape + " backward";
        Span x = operands.src.in(what, arena, src);
        Span dy = operands.diffDst.in(what, arena, diffDst);
        Span dx = operands.diffSrc.out(arena, diffSrc);
        arena.execute(what, backward, backwardPd,
                new int[] {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_DST,
                        DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT},
                new dnnl_memory_desc_t[] {operands.src.internal, perChannel, perChannel, reluMask,
                        operands.diffDst.internal, perChannel, perChannel, operands.diffSrc.internal, perChannel,
                        perChannel},
                new Span[] {x, mean, variance, mask, dy, gamma, beta, dx, diffGamma, diffBeta});
        operands.diffSrc.deliver(what, arena, dx, diffSrc);
    }
}
