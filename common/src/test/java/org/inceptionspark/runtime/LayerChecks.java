package org.inceptionspark.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What the single-layer comparisons of the oneDNN layers against DL4J's helpers share. */
final class LayerChecks {
    static final LayerWorkspaceMgr NO_WS = LayerWorkspaceMgr.noWorkspaces();

    private LayerChecks() {
    }

    /** Seeded values uniform in [-0.5, 0.5). */
    static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    /** Relative L2 difference within 1e-5: float rounding, never a wrong element. */
    static void assertClose(INDArray expected, INDArray actual, String what) {
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue();
        double norm = expected.castTo(DataType.DOUBLE).norm2Number().doubleValue();
        assertTrue(diff <= 1e-5 * norm + 1e-9, what + ": relative difference " + diff / Math.max(norm, 1e-30));
    }

    /** A batch norm's input, scale and shift gradients. */
    static INDArray[] bnBackward(MKLDNNBatchNormHelper helper, INDArray x, INDArray dy, INDArray gamma,
                                 INDArray beta, long[] shape, double eps) {
        INDArray dGamma = Nd4j.zeros(DataType.FLOAT, gamma.shape());
        INDArray dBeta = Nd4j.zeros(DataType.FLOAT, beta.shape());
        INDArray dx = helper.backpropGradient(x, dy, shape, gamma, beta, dGamma, dBeta, eps, CNN2DFormat.NCHW, NO_WS)
                .getSecond();
        return new INDArray[] {dx, dGamma, dBeta};
    }
}
