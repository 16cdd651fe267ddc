package org.inceptionspark.driver.registry;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.train.TrainingRun;
import org.inceptionspark.driver.train.TrainingSetup;
import org.inceptionspark.optim.LayoutRemap;
import org.inceptionspark.train.ParameterServerState;

/**
 * Starts a new run from a registry version: its weights and moving average, matched to the
 * configured network by tensor name ({@link LayoutRemap}). The classifiers (the graph's output
 * layers) may differ in size, for a new class count: they keep their fresh initial values. The
 * optimizer's state and step carry over only with {@code registry.keep-optimizer}.
 */
public final class WarmStart implements TrainingRun.Start {
    /** The registry's model does not fit the configured network. */
    public static final class MismatchException extends IllegalStateException {
        MismatchException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String version;
    private final Checkpoint parent;
    private final boolean keepOptimizer;

    public WarmStart(String version, Checkpoint parent, boolean keepOptimizer) {
        this.version = version;
        this.parent = parent;
        this.keepOptimizer = keepOptimizer;
    }

    /** The step the run starts at: the parent's when its optimizer state is taken over, else 0. */
    public long startStep() {
        return keepOptimizer ? parent.step() : 0;
    }

    @Override
    public void apply(ParameterServerState state, TrainingSetup setup, PrintStream out) {
        Set<String> classifiers = Set.copyOf(setup.graph().getNetworkOutputs());
        LayoutRemap remap;
        try {
            remap = LayoutRemap.startingFrom(CheckpointModels.layout(parent), state.layout(),
                    s -> classifiers.contains(s.name().substring(0, s.name().lastIndexOf('/'))));
        } catch (IllegalArgumentException e) {
            throw new MismatchException("the registry's version " + version + " does not fit the configured network: "
                    + e.getMessage() + " (a warm start keeps every tensor but the classifiers')", e);
        }
        float[] params = remap.applyOnto(parent.params(), state.params());
        float[] average = parent.average() == null ? params : remap.applyOnto(parent.average(), state.evaluationParams());
        LinkedHashMap<String, float[]> slots = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> fresh : state.optimizerSlots().entrySet()) {
            float[] saved = keepOptimizer ? parent.slots().get(fresh.getKey()) : null;
            if (keepOptimizer && saved == null) {
                throw new MismatchException("registry.keep-optimizer = true but version " + version + " has optimizer state "
                        + parent.slots().keySet() + " and the configured optimizer " + state.optimizerSlots().keySet()
                        + " (was optimizer.type changed?)", null);
            }
            slots.put(fresh.getKey(), saved == null ? fresh.getValue() : remap.applyOnto(saved, fresh.getValue()));
        }
        state.restore(params, slots, average, startStep(), 0);
        out.printf(Locale.ROOT, "warm start from the registry's current version %s (its run's step %d): weights and "
                        + "moving average%s%n", version, parent.step(),
                keepOptimizer ? ", optimizer state and step (registry.keep-optimizer)" : "; fresh optimizer and schedule");
        List<String> kept = remap.kept();
        if (!kept.isEmpty()) {
            out.printf(Locale.ROOT, "classifier re-initialised for %d classes (sizes differ from %s): %s%n",
                    setup.classes(), version, String.join(", ", kept));
        }
    }
}
