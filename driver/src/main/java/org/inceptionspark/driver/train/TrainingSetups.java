package org.inceptionspark.driver.train;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.inceptionspark.config.ClusterConfig;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.config.MovingAverageConfig;
import org.inceptionspark.config.OptimizerConfig;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelZoo;
import org.inceptionspark.optim.LearningRateSchedule;
import org.inceptionspark.optim.MomentumSgd;
import org.inceptionspark.optim.PlateauRule;
import org.inceptionspark.optim.TfRmsProp;
import org.inceptionspark.train.Seeds;
import org.inceptionspark.train.UpdateRule;
import org.inceptionspark.worker.BatchSource;

/** Turns the typed configuration into the engine's {@link TrainingSetup}: the one place the recipe's keys meet the engine. */
public final class TrainingSetups {
    private TrainingSetups() {
    }

    public static TrainingSetup from(InceptionConfig c, String runKey, int replicas, BatchSource data) {
        OptimizerConfig o = c.optimizer();
        MovingAverageConfig ema = c.movingAverage();
        int batch = c.cluster().batchPerReplica();
        long seed = c.run().seed();
        UpdateRule rule = new UpdateRule(c.cluster().combine() == ClusterConfig.Combine.SUM, c.model().weightDecay(),
                o.clipMode(), o.clipThreshold(), ema.enabled(), ema.decay(), ema.warmup(), ema.polyak());
        LearningRateSchedule schedule = o.schedule() == OptimizerConfig.Schedule.PLATEAU
                ? LearningRateSchedule.plateau(o.learningRate(),
                        new PlateauRule(o.decayFactor(), o.plateauPatience(), o.plateauMinDelta(), o.plateauMaxCuts()))
                : LearningRateSchedule.of(o.learningRate(), o.decayFactor(), o.epochsPerDecay(), o.staircase(),
                        data.imagesPerEpoch(), batch, replicas);
        TrainingSetup.OptimizerFactory optimizer = switch (o.type()) {
            case RMSPROP -> p -> new TfRmsProp(p, o.rmsDecay(), o.rmsMomentum(), o.rmsEpsilon(), o.rmsInitialMeanSquare());
            case MOMENTUM -> p -> new MomentumSgd(p, o.momentum());
        };
        long totalSteps = c.schedule().totalSteps(data.imagesPerEpoch(), (long) replicas * batch);
        ComputationGraphConfiguration graph = ModelZoo.build(c.model(), Seeds.derive(seed, Seeds.INIT));
        graph.setCacheMode(c.model().cacheMode());
        return new TrainingSetup(runKey, graph, data,
                replicas, batch, c.model().classes(), c.model().labelSmoothing(), seed, rule, schedule, optimizer,
                totalSteps, c.cluster().reduceSlices(), c.cluster().replicasPerTask());
    }
}
