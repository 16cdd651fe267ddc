package org.inceptionspark.worker.data;

import java.io.Serializable;

/** A file `pack` left out, and why. */
public record SkippedFile(String path, String reason) implements Serializable {
    /** The reason without file-specific detail, for the per-reason counts of the manifest. */
    public String category() {
        int colon = reason.indexOf(':');
        String head = colon > 0 ? reason.substring(0, colon) : reason;
        return head.replaceAll("\\d+x\\d+", "WxH").replaceAll("\\(.*\\)", "").trim();
    }
}
