package org.inceptionspark.driver.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.train.GradientMessage;
import org.inceptionspark.train.ParameterServerState;
import org.inceptionspark.train.StepOutcome;
import org.inceptionspark.worker.ReplicaJob;
import org.inceptionspark.worker.ReplicaModelPool;
import org.inceptionspark.worker.SliceRanges;
import org.inceptionspark.worker.ReplicaStepTask;

/**
 * The driver's side of synchronous data-parallel training: holds the parameter state and runs one
 * {@link SynchronousStep} after another, each applied by {@link ParameterServerState}.
 */
public final class SyncTrainer implements AutoCloseable {
    private final TrainingSetup setup;
    private final ParameterServerState state;
    private final SynchronousStep step;
    private final ReplicaStepTask.Meters meters;
    private StepTimings lastTimings;

    public SyncTrainer(JavaSparkContext sc, TrainingSetup setup) {
        this.setup = setup;
        ComputationGraph graph = new ComputationGraph(setup.graph());
        graph.init();
        ParameterLayout layout = ParameterLayout.of(graph);
        this.state = new ParameterServerState(layout, graph.params().toFloatVector(), setup.rule(), setup.schedule(),
                setup.optimizerFor(layout.length()));
        this.meters = new ReplicaStepTask.Meters(sc.sc().longAccumulator("images"),
                sc.sc().doubleAccumulator("loss sum"), sc.sc().longAccumulator("skipped images"));
        int messageLength = GradientMessage.length(layout.length());
        // one slice per replica even when tasks sum several: more, smaller reduce tasks let the
        // driver fetch early slices while later ones are still being summed (bench sync --timeline)
        int slices = Math.min(messageLength, setup.reduceSlices() > 0 ? setup.reduceSlices() : setup.replicas());
        ReplicaJob job = new ReplicaJob(setup.runKey(), setup.data(), setup.replicas(), setup.classes(),
                setup.labelSmoothing(), setup.rule().sumReplicas(), setup.seed(), new SliceRanges(messageLength, slices));
        this.step = new SynchronousStep(sc, job, setup.replicasPerTask(), setup.graph().toJson(), meters);
    }

    public ParameterServerState state() {
        return state;
    }

    public ReplicaStepTask.Meters meters() {
        return meters;
    }

    /** Replicas each task of a step starting now would train and sum before the shuffle. */
    public int replicasPerTask() {
        return step.replicasPerTask();
    }

    /** Where each replica of the last step ran ({@link SynchronousStep#lastDevices}). */
    public java.util.List<String> lastReplicaDevices() {
        return step.lastDevices();
    }

    public StepTimings lastTimings() {
        return lastTimings;
    }

    /** Runs one synchronous step and applies it. */
    public StepOutcome step(String description) {
        long t0 = System.nanoTime();
        SynchronousStep.Result r = step.run(state.step(), state.params(), description);
        long t1 = System.nanoTime();
        StepOutcome outcome = state.apply(r.summed());
        long t2 = System.nanoTime();
        lastTimings = r.timings((t2 - t0) / 1e9, (t2 - t1) / 1e9);
        return outcome;
    }

    @Override
    public void close() {
        step.close();
        ReplicaModelPool.release(setup.runKey());
    }
}
