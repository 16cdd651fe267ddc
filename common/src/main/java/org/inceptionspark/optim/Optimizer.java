package org.inceptionspark.optim;

import java.util.LinkedHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An optimizer over the whole flat parameter vector, run on the driver with ND4J vector ops.
 * The gradient it receives is already combined, decayed and clipped, and is zero wherever the
 * parameter is not trainable, so those entries never move.
 */
public interface Optimizer {
    /** Updates {@code params} in place. {@code gradient} may be overwritten (it is scratch after this call). */
    void apply(INDArray params, INDArray gradient, double learningRate);

    /** The optimizer's slot vectors by name, live (checkpoints read and restore them). */
    LinkedHashMap<String, INDArray> slots();
}
