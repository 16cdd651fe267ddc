package org.inceptionspark.worker.data;

import java.io.Serializable;

/** One input file of `pack`: its full Hadoop URI, its path relative to the source (the id's basis) and its class. */
public record SourceImage(String uri, String relativePath, int label, long imageId) implements Serializable {
}
