package org.inceptionspark.runtime;

import org.deeplearning4j.nn.conf.ConvolutionMode;

/**
 * The geometry of a 2-D window operation (convolution, pooling) over an input of
 * {@code inHeight x inWidth}: kernel, strides, dilation (1 = none), explicit paddings and output
 * size, the way DL4J's ConvolutionUtils computes them. SAME gives ceil(in / stride) with the extra
 * row and column of padding at the bottom and right (TensorFlow's rule); the other modes use the
 * configured padding and drop the rows and columns a stride does not reach, which oneDNN takes as
 * zero end padding (its output size rounds down the same way).
 */
record SpatialWindow(int inHeight, int inWidth, int outHeight, int outWidth, int kernelHeight, int kernelWidth,
                     int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
                     int padBottom, int padRight) {
    /** The window over an {@code inH x inW} input; null when the output would be empty. */
    static SpatialWindow of(int inH, int inW, int[] kernel, int[] strides, int[] pad, int[] dilation,
                            ConvolutionMode mode) {
        int[] in = {inH, inW};
        int[] out = new int[2];
        int[] begin = new int[2];
        int[] end = new int[2];
        for (int d = 0; d < 2; d++) {
            int effKernel = (kernel[d] - 1) * dilation[d] + 1;
            if (mode == ConvolutionMode.Same) {
                out[d] = (in[d] + strides[d] - 1) / strides[d];
                begin[d] = Math.max(0, (out[d] - 1) * strides[d] + effKernel - in[d]) / 2;
            } else {
                out[d] = (in[d] - effKernel + 2 * pad[d]) / strides[d] + 1;
                begin[d] = pad[d];
            }
            if (out[d] <= 0) {
                return null;
            }
            end[d] = Math.max(0, (out[d] - 1) * strides[d] - in[d] + effKernel - begin[d]);
        }
        return new SpatialWindow(inH, inW, out[0], out[1], kernel[0], kernel[1], strides[0], strides[1], dilation[0],
                dilation[1], begin[0], begin[1], end[0], end[1]);
    }

    long[] kernel() {
        return new long[] {kernelHeight, kernelWidth};
    }

    long[] strides() {
        return new long[] {strideHeight, strideWidth};
    }

    /** oneDNN's dilation: 0 = none. */
    long[] dilates() {
        return new long[] {dilationHeight - 1, dilationWidth - 1};
    }

    long[] padBegin() {
        return new long[] {padTop, padLeft};
    }

    long[] padEnd() {
        return new long[] {padBottom, padRight};
    }

    /** NCHW dimensions of the input and of the output for {@code batch} images of {@code channels}. */
    long[] src(long batch, long channels) {
        return new long[] {batch, channels, inHeight, inWidth};
    }

    long[] dst(long batch, long channels) {
        return new long[] {batch, channels, outHeight, outWidth};
    }

    @Override
    public String toString() {
        return inHeight + "x" + inWidth + " -> " + outHeight + "x" + outWidth + ", kernel " + kernelHeight + "x"
                + kernelWidth + ", stride " + strideHeight + "x" + strideWidth + ", pad " + padTop + "," + padLeft + ","
                + padBottom + "," + padRight + (dilationHeight * dilationWidth > 1 ? ", dilation " + dilationHeight
                + "x" + dilationWidth : "");
    }
}
