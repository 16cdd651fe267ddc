package org.inceptionspark.worker.data;

import java.io.Serializable;
import java.util.List;

/** What one pack task writes: its shard number and the images that go into it, in file order. */
public record ShardInput(int shard, List<SourceImage> images) implements Serializable {
}
