package org.inceptionspark.worker.data;

import java.io.Serializable;

/** Where one packed image lies: its shard, the byte offset of its SequenceFile record, its payload size. */
public record IndexEntry(int shard, long recordStart, int payloadLength, int label, long imageId)
        implements Serializable {
}
