package org.inceptionspark.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.inceptionspark.optim.ParameterLayout;
import org.inceptionspark.optim.ParameterSegment;

/** Per-tensor comparison of two gradient messages of the same layout. */
public final class SegmentDifferences {
    private SegmentDifferences() {
    }

    /** ||expected - actual|| / ||expected|| of every trainable segment, in layout order. */
    public static Map<ParameterSegment, Double> relative(ParameterLayout layout, float[] expected, float[] actual) {
        Map<ParameterSegment, Double> out = new LinkedHashMap<>();
        for (ParameterSegment s : layout.segments()) {
            if (!s.role().trainable()) {
                continue;
            }
            double diff = 0;
            double norm = 0;
            for (long i = s.offset(); i < s.end(); i++) {
                double d = expected[(int) i] - actual[(int) i];
                diff += d * d;
                norm += (double) expected[(int) i] * expected[(int) i];
            }
            out.put(s, Math.sqrt(diff / Math.max(norm, 1e-30)));
        }
        return out;
    }
}
