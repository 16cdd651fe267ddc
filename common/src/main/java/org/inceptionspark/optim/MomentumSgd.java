package org.inceptionspark.optim;

import java.util.LinkedHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** TensorFlow's MomentumOptimizer (the paper's earlier recipe): {@code a <- m a + g; w <- w - lr a}. */
public final class MomentumSgd implements Optimizer {
    private final double momentum;
    private final INDArray accumulation;

    public MomentumSgd(long length, double momentum) {
        this.momentum = momentum;
        this.accumulation = Nd4j.zeros(DataType.FLOAT, length);
    }

    @Override
    public void apply(INDArray params, INDArray g, double lr) {
        accumulation.muli(momentum).addi(g);
        params.subi(accumulation.mul(lr));
    }

    @Override
    public LinkedHashMap<String, INDArray> slots() {
        LinkedHashMap<String, INDArray> s = new LinkedHashMap<>();
        s.put("momentum", accumulation);
        return s;
    }
}
