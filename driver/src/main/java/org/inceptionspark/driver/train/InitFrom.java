package org.inceptionspark.driver.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.optim.LayoutRemap;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterSegment;
import org.inceptionspark.train.ParameterServerState;

/**
 * {@code model.init-from}: a new run starts from another model's tensors, matched by name (VGG's
 * deeper configurations from a trained A, a fine-tuning at S = 384 from S = 256). Only the weights:
 * the optimizer, the schedule and the step start afresh. Not applied on resume (the checkpoint has it all).
 */
public final class InitFrom implements TrainingRun.Start {
    private final String path;
    private final Set<String> layers;
    private final Configuration hadoop;

    /** @param layers layer names whose tensors are taken; empty for every tensor the network has by name */
    public InitFrom(String path, Set<String> layers, Configuration hadoop) {
        this.path = path;
        this.layers = Set.copyOf(layers);
        this.hadoop = hadoop;
    }

    private static String layerOf(String tensor) {
        return tensor.substring(0, tensor.lastIndexOf('/'));
    }

    @Override
    public void apply(ParameterServerState state, TrainingSetup setup, PrintStream out) {
        ComputationGraph source;
        try {
            source = CheckpointModels.load(path, hadoop);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("inception.model.init-from = " + path + " cannot be read: " + e.getMessage(), e);
        }
        ParameterLayout written = ParameterLayout.of(source);
        Set<String> sourceLayers = new TreeSet<>();
        written.segments().forEach(s -> sourceLayers.add(layerOf(s.name())));
        Set<String> targetLayers = new TreeSet<>();
        state.layout().segments().forEach(s -> targetLayers.add(layerOf(s.name())));
        for (String l : layers) {
            if (!sourceLayers.contains(l) || !targetLayers.contains(l)) {
                throw new IllegalArgumentException("inception.model.init-from-layers names " + l + ", which "
                        + (sourceLayers.contains(l) ? "the configured network" : path) + " has no parameter of (its layers: "
                        + (sourceLayers.contains(l) ? targetLayers : sourceLayers) + ")");
            }
        }
        LayoutRemap remap;
        try {
            remap = LayoutRemap.initialisingFrom(written, state.layout(),
                    s -> layers.isEmpty() || layers.contains(layerOf(s.name())));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("inception.model.init-from = " + path + " does not fit the configured network: "
                    + e.getMessage() + " (take only the layers that fit with inception.model.init-from-layers)", e);
        }
        float[] from = source.params().toFloatVector();
        float[] params = remap.applyOnto(from, state.params());
        LinkedHashMap<String, float[]> slots = new LinkedHashMap<>(state.optimizerSlots());
        state.restore(params, slots, params, 0, 0);

        Set<String> kept = Set.copyOf(remap.kept());
        List<String> copied = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        for (ParameterSegment s : state.layout().segments()) {
            (kept.contains(s.name()) ? fresh : copied).add(s.name());
        }
        out.printf(Locale.ROOT, "initialised from %s (model.init-from): %d tensors copied by name: %s%n", path, copied.size(),
                String.join(", ", copied));
        out.printf(Locale.ROOT, "  %d tensors initialised fresh: %s%n", fresh.size(), fresh.isEmpty() ? "none" : String.join(", ", fresh));
    }
}
