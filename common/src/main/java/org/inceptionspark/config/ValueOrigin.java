package org.inceptionspark.config;

import java.io.Serializable;

/** Which layer a key's effective value came from, and where in it. */
public record ValueOrigin(Layer layer, String description) implements Serializable {

    public enum Layer {
        /** The defaults in common's reference.conf. */
        REFERENCE,
        /** The {@code --config} file (or a file it includes). */
        FILE,
        /** A {@code -Dkey=value} override. */
        OVERRIDE
    }

    @Override
    public String toString() {
        return description;
    }
}
