package org.inceptionspark.optim;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where each tensor lives in a network's flat parameter vector (which is also the layout of its
 * flat gradient), and its role. Derived from the network itself so it can never drift from it.
 */
public final class ParameterLayout implements Serializable {
    private final List<ParameterSegment> segments;
    private final long length;

    public ParameterLayout(List<ParameterSegment> segments, long length) {
        List<ParameterSegment> sorted = new ArrayList<>(segments);
        sorted.sort(Comparator.comparingLong(ParameterSegment::offset));
        long expected = 0;
        for (ParameterSegment s : sorted) {
            if (s.offset() != expected) {
                throw new IllegalArgumentException("parameter segments leave a gap or overlap at " + s.name()
                        + " (offset " + s.offset() + ", expected " + expected + ")");
            }
            expected = s.end();
        }
        if (expected != length) {
            throw new IllegalArgumentException("parameter segments cover " + expected + " of " + length + " values");
        }
        this.segments = List.copyOf(sorted);
        this.length = length;
    }

    /** Reads the layout off an initialised graph: every parameter view's offset in the flat vector. */
    public static ParameterLayout of(ComputationGraph graph) {
        INDArray flat = graph.params();
        List<ParameterSegment> segments = new ArrayList<>();
        for (Layer layer : graph.getLayers()) {
            String layerName = layer.getConfig().getLayerName();
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                INDArray view = e.getValue();
                // A parameter that were not a view of the flat vector would break the tiling check below.
                long offset = view.offset() - flat.offset();
                ParameterRole role = roleOf(e.getKey());
                if (role != ParameterRole.BATCH_NORM_STATISTIC
                        && layer.getConfig().getUpdaterByParam(e.getKey()) instanceof org.nd4j.linalg.learning.config.NoOp) {
                    role = ParameterRole.FROZEN;
                }
                segments.add(new ParameterSegment(layerName + "/" + e.getKey(), offset, view.length(), role));
            }
        }
        return new ParameterLayout(segments, flat.length());
    }

    static ParameterRole roleOf(String paramKey) {
        switch (paramKey) {
            case DefaultParamInitializer.WEIGHT_KEY:
                return ParameterRole.WEIGHT;
            case BatchNormalizationParamInitializer.GLOBAL_MEAN:
            case BatchNormalizationParamInitializer.GLOBAL_VAR:
            case BatchNormalizationParamInitializer.GLOBAL_LOG_STD:
                return ParameterRole.BATCH_NORM_STATISTIC;
            default:
                return ParameterRole.TRAINABLE;
        }
    }

    public List<ParameterSegment> segments() {
        return segments;
    }

    public long length() {
        return length;
    }

    public long count(ParameterRole role) {
        return segments.stream().filter(s -> s.role() == role).mapToLong(ParameterSegment::length).sum();
    }
}
