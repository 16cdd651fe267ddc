package org.inceptionspark.worker.data;

import org.apache.hadoop.conf.Configuration;

/**
 * Run in a child JVM with a heap too small for the dataset's image 0 (ReplicaBatchLoaderTest):
 * prints what a replica's batch became if decoding returns at all.
 */
public final class DecodeInSmallHeap {
    private DecodeInSmallHeap() {
    }

    public static void main(String[] args) {
        DecodedBatch b = ReplicaBatchLoader.forDataset(args[0], new Configuration(), 1)
                .load(BatchRequest.eval(new long[]{0}, 32));
        System.out.println("returned: " + b.size() + " decoded, " + b.skipped() + " skipped " + b.skippedDetails());
    }
}
