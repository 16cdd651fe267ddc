package org.inceptionspark.driver.train;

import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.Optimizer;
import org.inceptionspark.train.UpdateRule;
import org.inceptionspark.worker.BatchSource;

/**
 * Everything a synchronous run needs, resolved from the configuration before any Spark work:
 * the network, the data, the replica count and the driver's update recipe.
 *
 * @param runKey       unique per run and model: executors key their cached networks by it
 * @param reduceSlices    slices of the reduce-scatter; 0 = one per replica
 * @param replicasPerTask replicas a task trains and sums before the shuffle, a power of two; 0 = at each
 *                        step, the largest that still gives every task slot a task ({@link TaskSlots})
 */
public record TrainingSetup(String runKey, ComputationGraphConfiguration graph, BatchSource data, int replicas,
                            int batchPerReplica, int classes, double labelSmoothing, long seed, UpdateRule rule,
                            LearningRateSchedule schedule, OptimizerFactory optimizer, long totalSteps,
                            int reduceSlices, int replicasPerTask) {

    /** Builds the optimizer for a parameter count (serializable so setups can be rebuilt anywhere). */
    public interface OptimizerFactory extends java.io.Serializable {
        Optimizer create(long parameters);
    }

    public Supplier<Optimizer> optimizerFor(long parameters) {
        return () -> optimizer.create(parameters);
    }
}
