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
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_shift;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * One NCHW shape's batch normalization in training mode through oneDNN 2.5: the forward pass
 * computes the batch mean and (biased) variance itself and normalizes, the backward pass gives
 * the input gradient and the scale and shift gradients from the batch statistics, each one
 * primitive on DL4J's own arrays (no reorder). DL4J's oneDNN helper computed mean and variance
 * with two generic ND4J reductions before oneDNN's inference kernel, and its backward was libnd4j's
 * (or {@link BatchNormBackprop}'s five passes): together about 2 s of a 299x299 step, from a JFR
 * profile of {@code bench replica} (docs/replica-performance.md).
 */
final class BatchNormPlan {
    /** {@code batch x channels x height x width} floats, epsilon as oneDNN takes it (float). */
    record Shape(long batch, long channels, long height, long width, float epsilon) {
        long[] dims() {
            return new long[] {batch, channels, height, width};
        }

        @Override
        public String toString() {
            return "batch norm " + batch + "x" + channels + "x" + height + "x" + width + ", eps " + epsilon;
        }
    }

    private final dnnl_memory_desc_t data;
    private final dnnl_memory_desc_t perChannel;
    private final dnnl_primitive_desc forwardPd;
    private final dnnl_primitive_desc backwardPd;
    private final dnnl_primitive forward;
    private final dnnl_primitive backward;

    private BatchNormPlan(dnnl_memory_desc_t data, dnnl_memory_desc_t perChannel, dnnl_primitive_desc forwardPd,
                          dnnl_primitive_desc backwardPd) {
        this.data = data;
        this.perChannel = perChannel;
        this.forwardPd = forwardPd;
        this.backwardPd = backwardPd;
        this.forward = Dnnl.primitive(forwardPd);
        this.backward = Dnnl.primitive(backwardPd);
    }

    /** The plan of {@code s}, or null when oneDNN has no implementation of it. */
    static BatchNormPlan of(Shape s) {
        dnnl_memory_desc_t data = Dnnl.md(s.dims(), dnnl_nchw);
        dnnl_memory_desc_t perChannel = Dnnl.md(new long[] {s.channels()}, dnnl_x);
        int flags = dnnl_use_scale | dnnl_use_shift;
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
        return backwardPd == null ? null : new BatchNormPlan(data, perChannel, forwardPd, backwardPd);
    }

    String implementations() {
        return Dnnl.implementation(forwardPd) + " / " + Dnnl.implementation(backwardPd);
    }

    long scratchpadBytes() {
        return Math.max(Dnnl.bytes(Dnnl.scratchpad(forwardPd)), Dnnl.bytes(Dnnl.scratchpad(backwardPd)));
    }

    /** {@code dst := gamma * (src - mean) / sqrt(variance + eps) + beta}, writing the batch's mean and variance. */
    void forward(long src, long gamma, long beta, long dst, long mean, long variance) {
        PrimitiveArena.with(arena -> forward(arena, src, gamma, beta, dst, mean, variance));
    }

    private void forward(PrimitiveArena arena, long src, long gamma, long beta, long dst, long mean, long variance) {
        arena.execute(forward, forwardPd,
                new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE},
                new dnnl_memory_desc_t[] {data, perChannel, perChannel, data, perChannel, perChannel},
                new long[] {src, gamma, beta, dst, mean, variance});
    }

    /** The input, scale and shift gradients (overwritten) from the batch statistics of the forward pass. */
    void backward(long src, long mean, long variance, long diffDst, long gamma, long beta,
                  long diffSrc, long diffGamma, long diffBeta) {
        PrimitiveArena.with(arena -> backward(arena, src, mean, variance, diffDst, gamma, beta, diffSrc, diffGamma, diffBeta));
    }

    private void backward(PrimitiveArena arena, long src, long mean, long variance, long diffDst, long gamma, long beta,
                  long diffSrc, long diffGamma, long diffBeta) {
        arena.execute(backward, backwardPd,
                new int[] {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE,
                        DNNL_ARG_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT},
                new dnnl_memory_desc_t[] {data, perChannel, perChannel, data, perChannel, perChannel, data, perChannel,
                        perChannel},
                new long[] {src, mean, variance, diffDst, gamma, beta, diffSrc, diffGamma, diffBeta});
    }
}
