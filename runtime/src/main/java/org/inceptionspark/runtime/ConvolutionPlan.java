package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_auto;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_dilated_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import java.util.Map;
import java.util.function.IntFunction;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.inceptionspark.runtime.PrimitiveArena.Role;

/**
 * One convolution shape's oneDNN primitives (forward, data gradient, weight gradient), built
 * once and run for every call of that shape. DL4J's arrays stay NCHW with OIHW weights; each
 * operand the primitive wants in another layout is reordered into, or out of, a buffer of the
 * {@link PrimitiveArena}. The algorithm is oneDNN's own choice ({@code convolution_auto}), the
 * scratchpad is the arena's, so nothing is allocated per call.
 */
final class ConvolutionPlan {
    /** A 2-D convolution over NCHW float arrays: {@code inChannels} to {@code outChannels} over {@code window}. */
    record Shape(long batch, long inChannels, long outChannels, SpatialWindow window, boolean bias) {
        long[] src() {
            return window.src(batch, inChannels);
        }

        long[] weights() {
            return new long[] {outChannels, inChannels, window.kernelHeight(), window.kernelWidth()};
        }

        long[] dst() {
            return window.dst(batch, outChannels);
        }

        @Override
        public String toString() {
            return "convolution " + batch + "x" + inChannels + " -> " + outChannels + " channels, " + window
                    + (bias ? ", bias" : "");
        }
    }

    private final Shape shape;
    private final dnnl_memory_desc_t biasMd;
    private final dnnl_primitive_desc forwardPd;
    private final dnnl_primitive_desc dataPd;
    private final dnnl_primitive_desc weightsPd;
    private final dnnl_primitive forward;
    private final dnnl_primitive backwardData;
    private final dnnl_primitive backwardWeights;
    private final Operand fwdSrc;
    private final Operand fwdWeights;
    private final Operand fwdDst;
    private final Operand dataDiffDst;
    private final Operand dataWeights;
    private final Operand dataDiffSrc;
    private final Operand weightsSrc;
    private final Operand weightsDiffDst;
    private final Operand weightsDiffWeights;
    private final boolean sharedDiffDst;

    private ConvolutionPlan(Shape s, dnnl_primitive_desc forwardPd, dnnl_primitive_desc dataPd,
                            dnnl_primitive_desc weightsPd, dnnl_memory_desc_t biasMd) {
        this.shape = s;
        this.forwardPd = forwardPd;
        this.dataPd = dataPd;
        this.weightsPd = weightsPd;
        this.biasMd = biasMd;
        dnnl_memory_desc_t src = Dnnl.md(s.src(), dnnl_nchw);
        dnnl_memory_desc_t weights = Dnnl.md(s.weights(), dnnl_oihw);
        dnnl_memory_desc_t dst = Dnnl.md(s.dst(), dnnl_nchw);
        forward = Dnnl.primitive(forwardPd);
        backwardData = Dnnl.primitive(dataPd);
        backwardWeights = Dnnl.primitive(weightsPd);
        fwdSrc = new Operand(src, Dnnl.query(forwardPd, dnnl_query_src_md), Role.SRC, true);
        fwdWeights = new Operand(weights, Dnnl.query(forwardPd, dnnl_query_weights_md), Role.WEIGHTS, true);
        fwdDst = new Operand(dst, Dnnl.query(forwardPd, dnnl_query_dst_md), Role.DST, false);
        dataDiffDst = new Operand(dst, Dnnl.query(dataPd, dnnl_query_diff_dst_md), Role.DIFF_DST, true);
        dataWeights = new Operand(weights, Dnnl.query(dataPd, dnnl_query_weights_md), Role.WEIGHTS, true);
        dataDiffSrc = new Operand(src, Dnnl.query(dataPd, dnnl_query_diff_src_md), Role.DST, false);
        weightsSrc = new Operand(src, Dnnl.query(weightsPd, dnnl_query_src_md), Role.SRC, true);
        dnnl_memory_desc_t weightsDy = Dnnl.query(weightsPd, dnnl_query_diff_dst_md);
        sharedDiffDst = Dnnl.same(weightsDy, dataDiffDst.internal);
        weightsDiffDst = new Operand(dst, weightsDy, sharedDiffDst ? Role.DIFF_DST : Role.DIFF_DST_WEIGHTS, true);
        weightsDiffWeights = new Operand(weights, Dnnl.query(weightsPd, dnnl_query_diff_weights_md), Role.DIFF_WEIGHTS,
                false);
    }

    /**
     * Largest scratchpad a primitive may ask for before the plan takes the direct algorithm
     * instead. Winograd's transformed tensors are the only large ones: the stem's weight gradient
     * asks for 615 MB and runs no faster than direct, while the smaller scratchpads of the layers
     * below this bound buy real speed (docs/replica-performance.md, Convolutions on oneDNN directly).
     */
    static final long MAX_SCRATCHPAD_BYTES = 512L << 20;

    /**
     * A 1x1 convolution with stride 1 and no padding is a matrix product per image, which oneDNN
     * runs on DL4J's NCHW arrays (its GEMM-based implementation) with no reorder; the blocked
     * kernel plus its reorders was slower on every such layer of Inception-v3, while wider kernels
     * lose on NCHW (im2col) (docs/replica-performance.md, Convolutions on oneDNN directly).
     */
    private static boolean pointwise(SpatialWindow w) {
        return w.kernelHeight() == 1 && w.kernelWidth() == 1 && w.strideHeight() == 1 && w.strideWidth() == 1
                && w.padTop() == 0 && w.padLeft() == 0 && w.padBottom() == 0 && w.padRight() == 0;
    }

    /** The plan of {@code s}, or null when oneDNN has no implementation of it. */
    static ConvolutionPlan of(Shape s) {
        // pointwise convolutions work on DL4J's NCHW / OIHW layouts themselves (no reorders)
        boolean plain = pointwise(s.window());
        int dataTag = plain ? dnnl_nchw : dnnl_format_tag_any;
        int weightsTag = plain ? dnnl_oihw : dnnl_format_tag_any;
        long[] strides = s.window().strides();
        long[] dilates = s.window().dilates();
        long[] padL = s.window().padBegin();
        long[] padR = s.window().padEnd();
        dnnl_memory_desc_t src = Dnnl.md(s.src(), dataTag);
        dnnl_memory_desc_t weights = Dnnl.md(s.weights(), weightsTag);
        dnnl_memory_desc_t dst = Dnnl.md(s.dst(), dataTag);
        dnnl_memory_desc_t bias = s.bias() ? Dnnl.md(new long[] {s.outChannels()}, dnnl_x) : null;
        dnnl_primitive_attr attr = Dnnl.scratchpadByCaller();

        dnnl_primitive_desc forwardPd = descriptor(alg -> {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            return dnnl_dilated_convolution_forward_desc_init(d, dnnl_forward_training, alg, src, weights, bias, dst,
                    strides, dilates, padL, padR) == dnnl_success ? d : null;
        }, attr, null);
        if (forwardPd == null) {
            return null;
        }
        dnnl_primitive_desc dataPd = descriptor(alg -> {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            return dnnl_dilated_convolution_backward_data_desc_init(d, alg, src, weights, dst, strides, dilates, padL,
                    padR) == dnnl_success ? d : null;
        }, attr, forwardPd);
        dnnl_primitive_desc weightsPd = descriptor(alg -> {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            return dnnl_dilated_convolution_backward_weights_desc_init(d, alg, src, weights, bias, dst, strides,
                    dilates, padL, padR) == dnnl_success ? d : null;
        }, attr, forwardPd);
        if (dataPd == null || weightsPd == null) {
            return null;
        }
        return new ConvolutionPlan(s, forwardPd, dataPd, weightsPd, bias);
    }

    /** oneDNN's choice of algorithm, or direct where that choice wants more than MAX_SCRATCHPAD_BYTES. */
    private static dnnl_primitive_desc descriptor(IntFunction<dnnl_convolution_desc_t> desc, dnnl_primitive_attr attr,
                                                  dnnl_primitive_desc hint) {
        dnnl_convolution_desc_t auto = desc.apply(dnnl_convolution_auto);
        dnnl_primitive_desc pd = auto == null ? null : Dnnl.descriptor(auto, attr, hint);
        if (pd != null && Dnnl.bytes(Dnnl.scratchpad(pd)) <= MAX_SCRATCHPAD_BYTES) {
            return pd;
        }
        dnnl_convolution_desc_t direct = desc.apply(dnnl_convolution_direct);
        dnnl_primitive_desc directPd = direct == null ? null : Dnnl.descriptor(direct, attr, hint);
        return directPd != null ? directPd : pd;
    }

    Shape shape() {
        return shape;
    }

    /** The arena bytes each role needs for this shape (roles it does not use are absent). */
    Map<Role, Long> needs() {
        return Operand.arenaNeeds(new Operand[] {fwdSrc, fwdWeights, fwdDst, dataDiffDst, dataWeights, dataDiffSrc,
                weightsSrc, weightsDiffDst, weightsDiffWeights}, forwardPd, dataPd, weightsPd);
    }

    /** The implementations oneDNN chose, forward / data gradient / weight gradient. */
    String implementations() {
        return Dnnl.implementation(forwardPd) + " / " + Dnnl.implementation(dataPd) + " / "
                + Dnnl.implementation(weightsPd);
    }

    /** {@code dst := conv(src, weights) + bias}; NCHW / OIHW float arrays, bias {@link Span#NONE} when none. */
    void forward(Span src, Span weights, Span bias, Span dst) {
        PrimitiveArena.with(arena -> forward(arena, src, weights, bias, dst));
    }

    private void forward(PrimitiveArena arena, Span src, Span weights, Span bias, Span dst) {
        String what = shape + " forward";
        Span x = fwdSrc.in(what, arena, src);
        Span w = fwdWeights.in(what, arena, weights);
        Span y = fwdDst.out(arena, dst);
        arena.execute(what, forward, forwardPd,
                new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS},
                new dnnl_memory_desc_t[] {fwdSrc.internal, fwdWeights.internal, fwdDst.internal, biasMd},
                new Span[] {x, w, y, bias});
        fwdDst.deliver(what, arena, y, dst);
    }

    /**
     * {@code diffSrc} and {@code diffWeights} (and {@code diffBias} unless {@link Span#NONE}) from
     * the output's gradient {@code diffDst}; every gradient is overwritten.
     */
    void backward(Span src, Span weights, Span diffDst, Span diffSrc, Span diffWeights, Span diffBias) {
        PrimitiveArena.with(arena -> backward(arena, src, weights, diffDst, diffSrc, diffWeights, diffBias));
    }

    private void backward(PrimitiveArena arena, Span src, Span weights, Span diffDst, Span diffSrc, Span diffWeights,
                          Span diffBias) {
        String what = shape + " data gradient";
        Span dy = dataDiffDst.in(what, arena, diffDst);
        Span w = dataWeights.in(what, arena, weights);
        Span dx = dataDiffSrc.out(arena, diffSrc);
        arena.execute(what, backwardData, dataPd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {dataDiffDst.internal, dataWeights.internal, dataDiffSrc.internal},
                new Span[] {dy, w, dx});
        dataDiffSrc.deliver(what, arena, dx, diffSrc);

        what = shape + " weight gradient";
        Span x = weightsSrc.in(what, arena, src);
        Span dyW = sharedDiffDst ? dy : weightsDiffDst.in(what, arena, diffDst);
        Span dw = weightsDiffWeights.out(arena, diffWeights);
        arena.execute(what, backwardWeights, weightsPd,
                new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                new dnnl_memory_desc_t[] {weightsSrc.internal, weightsDiffDst.internal, weightsDiffWeights.internal,
                        biasMd},
                new Span[] {x, dyW, dw, diffBias});
        weightsDiffWeights.deliver(what, arena, dw, diffWeights);
    }
}
