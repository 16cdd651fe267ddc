package org.inceptionspark.worker.data;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** What packing one shard produced: the records written (in file order), the files skipped, the conversions noted. */
public record ShardResult(int shard, List<IndexEntry> entries, List<SkippedFile> skipped, Map<String, Long> conversions)
        implements Serializable {
}
