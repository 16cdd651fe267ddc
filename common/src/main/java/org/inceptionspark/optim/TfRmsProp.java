package org.inceptionspark.optim;

import java.util.LinkedHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * TensorFlow's RMSProp with momentum (ApplyRMSProp), the paper's optimizer:
 * <pre>
 *   ms  &lt;- ms + (1 - decay) (g^2 - ms)          (ms starts at initialMeanSquare, TF: 1.0)
 *   mom &lt;- momentum mom + lr g / sqrt(ms + eps)  (eps inside the square root)
 *   w   &lt;- w - mom
 * </pre>
 * DL4J's RmsProp puts eps outside the root, starts the cache at eps and has no momentum, so it
 * is not used.
 */
public final class TfRmsProp implements Optimizer {
    private final double decay;
    private final double momentum;
    private final double epsilon;
    private final INDArray meanSquare;
    private final INDArray mom;
    private final INDArray scratch;

    public TfRmsProp(long length, double decay, double momentum, double epsilon, double initialMeanSquare) {
        this.decay = decay;
        this.momentum = momentum;
        this.epsilon = epsilon;
        this.meanSquare = Nd4j.valueArrayOf(new long[] {length}, (float) initialMeanSquare);
        this.mom = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, length);
        this.scratch = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, length);
    }

    @Override
    public void apply(INDArray params, INDArray g, double lr) {
        // ms += (1 - decay) * (g^2 - ms)
        scratch.assign(g).muli(g).subi(meanSquare).muli(1.0 - decay);
        meanSquare.addi(scratch);
        // mom = momentum * mom + lr * g / sqrt(ms + eps)
        scratch.assign(meanSquare).addi(epsilon);
        Transforms.sqrt(scratch, false);
        g.divi(scratch).muli(lr);
        mom.muli(momentum).addi(g);
        params.subi(mom);
    }

    @Override
    public LinkedHashMap<String, INDArray> slots() {
        LinkedHashMap<String, INDArray> s = new LinkedHashMap<>();
        s.put("rms", meanSquare);
        s.put("momentum", mom);
        return s;
    }
}
