package org.inceptionspark.worker.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** manifest.json of a packed dataset. */
public record PackManifest(String format, String split, String source, long numImages, int numClasses, int shards,
                           List<ClassCount> classes, long skipped, Map<String, Long> skippedByReason,
                           Map<String, Long> converted, double valFraction) implements Serializable {
    public static final String FORMAT = "inception-spark-packed/1";

    /** One class: its index, folder (or listing) name, human-readable label and image count in this split. */
    public record ClassCount(int index, String name, String label, long count) implements Serializable {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PackManifest fromJson(String json) throws IOException {
        PackManifest m = JSON.readValue(json, PackManifest.class);
        if (!FORMAT.equals(m.format())) {
            throw new IOException("unsupported packed dataset format '" + m.format() + "', expected " + FORMAT);
        }
        return m;
    }
}
